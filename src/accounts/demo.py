"""Demo accounts, one per role. Passwords are for the local demo only."""

from .roles import Role

DEMO_PASSWORD = "Eiso@2026demo"

# username, role, agency code, last name, first name, position
DEMO_ACCOUNTS = [
    ("canbo", Role.STAFF, "SNNMT", "Nguyễn Văn", "An", "Chuyên viên Văn phòng Sở"),
    ("thuky", Role.ISO_SECRETARY, "SNNMT", "Trần Thị", "Bích", "Thư ký ISO"),
    ("lanhdao", Role.AGENCY_HEAD, "SNNMT", "Lê Quang", "Cường", "Giám đốc Sở"),
    ("sokhcn", Role.OVERSIGHT, "SKHCN-CCTDC", "Phạm Thị", "Dung", "Chuyên viên Chi cục TĐC"),
    ("ubndtinh", Role.PROVINCIAL_VIEWER, "UBND-TINH", "Võ Minh", "Đức", "Phó Chủ tịch UBND tỉnh"),
]


def load(ctx):
    from .models import User

    users = {}
    for username, role, agency_code, last, first, position in DEMO_ACCOUNTS:
        user = User(
            username=username,
            role=role,
            agency=ctx["agencies"][agency_code],
            last_name=last,
            first_name=first,
            position=position,
            email=f"{username}@vinhlong.gov.vn",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        users[role] = user
    admin = User(username="admin", is_staff=True, is_superuser=True, last_name="Quản trị", first_name="hệ thống")
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    ctx["users"] = users
