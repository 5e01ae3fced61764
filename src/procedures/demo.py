"""Demo catalog: about 200 administrative procedures of the province, with processes per agency."""

import random
from decimal import Decimal

from core.text import search_key, sort_key

from .models import AdminProcedure, Field, ProcessDefinition, ProcessStep
from .services import STANDARD_STEPS, standard_allotment

P, C = AdminProcedure.Level.PROVINCIAL, AdminProcedure.Level.COMMUNE
LAND_ORG = ["SNNMT"]
LAND_OFFICE = ["SNNMT-VPDKDD"]

# field, level, agencies (codes; "COMMUNES" = every commune committee), days, names
CATALOG = [
    (
        "Đất đai",
        P,
        LAND_ORG,
        (20, 30),
        [
            "Giao đất, cho thuê đất không thông qua hình thức đấu giá quyền sử dụng đất",
            "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền đối với tổ chức",
            "Gia hạn sử dụng đất ngoài khu công nghệ cao, khu kinh tế",
            "Điều chỉnh quyết định thu hồi đất, giao đất, cho thuê đất",
            "Thẩm định nhu cầu sử dụng đất để xem xét giao đất, cho thuê đất",
            "Giải quyết tranh chấp đất đai thuộc thẩm quyền của Chủ tịch UBND tỉnh",
            "Thu hồi đất do chấm dứt việc sử dụng đất theo pháp luật, tự nguyện trả lại đất",
            "Cung cấp thông tin, dữ liệu đất đai cho tổ chức",
        ],
    ),
    (
        "Đất đai",
        P,
        LAND_OFFICE,
        (10, 30),
        [
            "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
            "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do chuyển nhượng",
            "Đăng ký biến động quyền sử dụng đất do thừa kế",
            "Đăng ký biến động quyền sử dụng đất do tặng cho",
            "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
            "Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất",
            "Tách thửa hoặc hợp thửa đất",
            "Đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất",
            "Xóa đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất",
            "Đính chính Giấy chứng nhận đã cấp",
            "Đăng ký biến động do đổi tên, thay đổi thông tin về người sử dụng đất",
            "Đăng ký xác lập quyền sử dụng hạn chế thửa đất liền kề",
            "Đăng ký biến động đối với trường hợp chuyển từ hình thức thuê đất sang giao đất",
            "Cung cấp thông tin, dữ liệu đất đai cho cá nhân",
            "Chuyển đổi quyền sử dụng đất nông nghiệp của hộ gia đình, cá nhân",
            "Đăng ký biến động về sử dụng đất do thay đổi diện tích do sạt lở tự nhiên",
        ],
    ),
    (
        "Đất đai",
        C,
        ["COMMUNES"],
        (10, 45),
        [
            "Hòa giải tranh chấp đất đai",
            "Chuyển mục đích sử dụng đất nông nghiệp sang đất phi nông nghiệp đối với hộ gia đình, cá nhân",
            "Xác nhận nguồn gốc, thời điểm sử dụng đất",
        ],
    ),
    (
        "Xây dựng",
        P,
        ["SXD"],
        (15, 20),
        [
            "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II",
            "Cấp giấy phép sửa chữa, cải tạo đối với công trình cấp đặc biệt, cấp I, cấp II",
            "Cấp giấy phép di dời công trình",
            "Điều chỉnh giấy phép xây dựng",
            "Gia hạn giấy phép xây dựng",
            "Cấp lại giấy phép xây dựng",
            "Thẩm định Báo cáo nghiên cứu khả thi đầu tư xây dựng",
            "Thẩm định thiết kế xây dựng triển khai sau thiết kế cơ sở",
            "Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III",
            "Cấp chứng chỉ năng lực hoạt động xây dựng hạng II, hạng III",
            "Kiểm tra công tác nghiệm thu hoàn thành công trình",
            "Cấp giấy phép chặt hạ, dịch chuyển cây xanh",
            "Công nhận hạng nhà chung cư",
            "Thông báo nhà ở hình thành trong tương lai đủ điều kiện được bán, cho thuê mua",
        ],
    ),
    (
        "Xây dựng",
        C,
        ["COMMUNES"],
        (10, 15),
        [
            "Cấp giấy phép xây dựng nhà ở riêng lẻ",
            "Cấp giấy phép xây dựng có thời hạn đối với nhà ở riêng lẻ",
        ],
    ),
    (
        "Hộ tịch",
        C,
        ["COMMUNES"],
        (0.5, 5),
        [
            "Đăng ký khai sinh",
            "Đăng ký kết hôn",
            "Đăng ký khai tử",
            "Đăng ký nhận cha, mẹ, con",
            "Đăng ký khai sinh kết hợp nhận cha, mẹ, con",
            "Đăng ký giám hộ",
            "Đăng ký chấm dứt giám hộ",
            "Thay đổi, cải chính, bổ sung thông tin hộ tịch",
            "Cấp Giấy xác nhận tình trạng hôn nhân",
            "Đăng ký lại khai sinh",
            "Đăng ký lại kết hôn",
            "Đăng ký lại khai tử",
            "Cấp bản sao trích lục hộ tịch",
            "Đăng ký khai sinh cho người đã có hồ sơ, giấy tờ cá nhân",
            "Liên thông thủ tục đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
        ],
    ),
    (
        "Hộ tịch",
        P,
        ["STP"],
        (5, 15),
        [
            "Đăng ký khai sinh có yếu tố nước ngoài",
            "Đăng ký kết hôn có yếu tố nước ngoài",
            "Ghi vào Sổ hộ tịch việc hộ tịch của công dân Việt Nam đã được giải quyết tại cơ quan có thẩm quyền "
            "của nước ngoài",
            "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
            "Cấp Phiếu lý lịch tư pháp cho cơ quan nhà nước, cơ quan tiến hành tố tụng",
        ],
    ),
    (
        "Chứng thực",
        C,
        ["COMMUNES"],
        (0.5, 2),
        [
            "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
            "Chứng thực chữ ký trong các giấy tờ, văn bản",
            "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
            "Chứng thực hợp đồng, giao dịch liên quan đến quyền sử dụng đất, nhà ở",
            "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch",
            "Chứng thực di chúc",
            "Chứng thực văn bản thỏa thuận phân chia di sản",
            "Chứng thực văn bản khai nhận di sản",
            "Chứng thực văn bản từ chối nhận di sản",
        ],
    ),
    (
        "Chứng thực",
        P,
        ["STP-PCC1"],
        (1, 3),
        [
            "Chứng thực chữ ký người dịch mà người dịch là cộng tác viên dịch thuật",
            "Công chứng hợp đồng chuyển nhượng quyền sử dụng đất",
            "Công chứng hợp đồng mua bán nhà ở",
            "Công chứng di chúc",
            "Công chứng văn bản ủy quyền",
        ],
    ),
    (
        "Thành lập và hoạt động doanh nghiệp",
        P,
        ["STC"],
        (3, 5),
        [
            "Đăng ký thành lập doanh nghiệp tư nhân",
            "Đăng ký thành lập công ty TNHH một thành viên",
            "Đăng ký thành lập công ty TNHH hai thành viên trở lên",
            "Đăng ký thành lập công ty cổ phần",
            "Đăng ký thành lập công ty hợp danh",
            "Đăng ký thay đổi người đại diện theo pháp luật",
            "Đăng ký thay đổi vốn điều lệ, thay đổi tỷ lệ vốn góp",
            "Đăng ký thay đổi địa chỉ trụ sở chính",
            "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo",
            "Giải thể doanh nghiệp",
            "Đăng ký hoạt động chi nhánh, văn phòng đại diện",
            "Cấp đổi Giấy chứng nhận đăng ký doanh nghiệp",
        ],
    ),
    (
        "Thành lập và hoạt động của hộ kinh doanh",
        C,
        ["COMMUNES"],
        (3, 3),
        [
            "Đăng ký thành lập hộ kinh doanh",
            "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
            "Tạm ngừng hoạt động hộ kinh doanh",
            "Chấm dứt hoạt động hộ kinh doanh",
        ],
    ),
    (
        "Lưu thông hàng hóa trong nước",
        P,
        ["SCT"],
        (7, 15),
        [
            "Cấp Giấy phép bán buôn rượu trên địa bàn tỉnh",
            "Cấp Giấy phép bán lẻ sản phẩm thuốc lá",
            "Cấp Giấy chứng nhận đủ điều kiện cửa hàng bán lẻ xăng dầu",
            "Cấp Giấy chứng nhận đủ điều kiện thương nhân phân phối xăng dầu",
            "Cấp giấy phép sản xuất rượu thủ công nhằm mục đích kinh doanh",
            "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm ngành công thương",
        ],
    ),
    (
        "Môi trường",
        P,
        ["SNNMT"],
        (15, 30),
        [
            "Cấp giấy phép môi trường",
            "Cấp đổi giấy phép môi trường",
            "Cấp điều chỉnh giấy phép môi trường",
            "Thẩm định báo cáo đánh giá tác động môi trường",
            "Vận hành thử nghiệm công trình xử lý chất thải",
            "Cấp giấy phép thăm dò nước dưới đất",
            "Cấp giấy phép khai thác, sử dụng nước mặt",
            "Cấp giấy phép xả nước thải vào nguồn nước",
            "Cấp giấy phép thăm dò khoáng sản",
            "Cấp giấy phép khai thác khoáng sản làm vật liệu xây dựng thông thường",
            "Đóng cửa mỏ khoáng sản",
            "Cấp giấy phép nhận chìm ở biển",
        ],
    ),
    (
        "Trồng trọt và bảo vệ thực vật",
        P,
        ["SNNMT-CCTTBVTV"],
        (5, 15),
        [
            "Cấp Giấy chứng nhận đủ điều kiện buôn bán thuốc bảo vệ thực vật",
            "Cấp Giấy chứng nhận đủ điều kiện sản xuất phân bón",
            "Cấp Giấy chứng nhận kiểm dịch thực vật nội địa",
            "Cấp mã số vùng trồng",
            "Cấp Giấy chứng nhận đủ điều kiện buôn bán phân bón",
            "Công nhận cây đầu dòng, vườn cây đầu dòng",
        ],
    ),
    (
        "Chăn nuôi và thú y",
        P,
        ["SNNMT-CCCNTY"],
        (5, 15),
        [
            "Cấp Giấy chứng nhận điều kiện vệ sinh thú y",
            "Cấp Giấy chứng nhận cơ sở an toàn dịch bệnh động vật",
            "Cấp chứng chỉ hành nghề thú y",
            "Cấp Giấy chứng nhận đủ điều kiện chăn nuôi trang trại quy mô lớn",
            "Cấp Giấy chứng nhận kiểm dịch động vật, sản phẩm động vật vận chuyển ra khỏi địa bàn tỉnh",
            "Cấp Giấy chứng nhận đủ điều kiện buôn bán thuốc thú y",
        ],
    ),
    (
        "Thủy sản",
        P,
        ["SNNMT-CCTS"],
        (3, 15),
        [
            "Cấp Giấy phép khai thác thủy sản",
            "Cấp văn bản chấp thuận đóng mới, cải hoán tàu cá",
            "Cấp Giấy chứng nhận cơ sở đủ điều kiện nuôi trồng thủy sản",
            "Đăng ký tàu cá",
            "Xóa đăng ký tàu cá",
            "Cấp Giấy chứng nhận an toàn kỹ thuật tàu cá",
            "Công bố mở cảng cá loại III",
            "Xác nhận đăng ký nuôi trồng thủy sản lồng bè, đối tượng thủy sản nuôi chủ lực",
        ],
    ),
    (
        "Lâm nghiệp",
        P,
        ["SNNMT-CCKL"],
        (5, 20),
        [
            "Phê duyệt phương án quản lý rừng bền vững",
            "Chuyển loại rừng đối với khu rừng do UBND tỉnh xác lập",
            "Cấp mã số cơ sở trồng, cấp mã số cơ sở nuôi, trồng các loài động vật, thực vật hoang dã",
            "Xác nhận bảng kê lâm sản",
        ],
    ),
    (
        "Thủy lợi",
        P,
        ["SNNMT-CCTL"],
        (10, 20),
        [
            "Cấp giấy phép cho các hoạt động trong phạm vi bảo vệ công trình thủy lợi",
            "Phê duyệt phương án ứng phó thiên tai cho công trình vùng hạ du đập",
            "Thẩm định, phê duyệt đề cương, kết quả kiểm định an toàn đập",
        ],
    ),
    (
        "Nông nghiệp",
        C,
        ["COMMUNES"],
        (5, 10),
        [
            "Hỗ trợ khôi phục sản xuất vùng bị thiệt hại do thiên tai, dịch bệnh",
            "Xác nhận hợp đồng tiếp cận nguồn gen cho mục đích thương mại",
        ],
    ),
    (
        "Giáo dục và đào tạo",
        P,
        ["SGDDT"],
        (5, 20),
        [
            "Cho phép trường trung học phổ thông hoạt động giáo dục",
            "Công nhận trường trung học đạt chuẩn quốc gia",
            "Cấp phép hoạt động giáo dục kỹ năng sống",
            "Chuyển trường đối với học sinh trung học phổ thông",
            "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc",
            "Chỉnh sửa nội dung văn bằng, chứng chỉ",
            "Cho phép trung tâm ngoại ngữ, tin học hoạt động giáo dục",
        ],
    ),
    (
        "Khám bệnh, chữa bệnh",
        P,
        ["SYT"],
        (10, 30),
        [
            "Cấp giấy phép hành nghề khám bệnh, chữa bệnh",
            "Cấp giấy phép hoạt động đối với phòng khám chuyên khoa",
            "Cấp giấy phép hoạt động đối với phòng chẩn trị y học cổ truyền",
            "Điều chỉnh giấy phép hoạt động khám bệnh, chữa bệnh",
            "Cấp chứng chỉ hành nghề dược",
            "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược",
        ],
    ),
    (
        "An toàn thực phẩm",
        P,
        ["SYT-CCATVSTP"],
        (10, 20),
        [
            "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
            "Đăng ký bản công bố sản phẩm",
            "Cấp giấy xác nhận nội dung quảng cáo thực phẩm",
        ],
    ),
    (
        "Văn hóa, thể thao và du lịch",
        P,
        ["SVHTTDL"],
        (5, 15),
        [
            "Cấp giấy phép tổ chức lễ hội",
            "Cấp giấy phép kinh doanh dịch vụ karaoke",
            "Công nhận cơ sở lưu trú du lịch hạng 1 sao, 2 sao, 3 sao",
            "Cấp giấy phép kinh doanh dịch vụ lữ hành nội địa",
            "Cấp thẻ hướng dẫn viên du lịch",
            "Cấp giấy chứng nhận đủ điều kiện kinh doanh hoạt động thể thao",
            "Cấp giấy phép triển lãm mỹ thuật",
        ],
    ),
    (
        "Xuất bản, in và phát hành",
        P,
        ["SVHTTDL"],
        (5, 10),
        [
            "Cấp giấy phép xuất bản tài liệu không kinh doanh",
            "Cấp giấy phép hoạt động in",
            "Đăng ký hoạt động cơ sở in",
            "Cấp giấy phép nhập khẩu xuất bản phẩm không kinh doanh",
        ],
    ),
    (
        "Việc làm",
        P,
        ["SNV-TTDVVL"],
        (3, 20),
        [
            "Giải quyết hưởng trợ cấp thất nghiệp",
            "Tạm dừng hưởng trợ cấp thất nghiệp",
            "Chuyển nơi hưởng trợ cấp thất nghiệp",
            "Hỗ trợ học nghề cho người hưởng trợ cấp thất nghiệp",
            "Cấp giấy phép lao động cho người lao động nước ngoài",
        ],
    ),
    (
        "Thi đua, khen thưởng",
        P,
        ["SNV"],
        (20, 30),
        [
            "Tặng Bằng khen của Chủ tịch UBND tỉnh",
            "Tặng danh hiệu Tập thể lao động xuất sắc",
            "Tặng danh hiệu Chiến sĩ thi đua cấp tỉnh",
            "Tặng Cờ thi đua của UBND tỉnh",
        ],
    ),
    (
        "Tiêu chuẩn đo lường chất lượng",
        P,
        ["SKHCN-CCTDC"],
        (5, 15),
        [
            "Đăng ký công bố hợp chuẩn dựa trên kết quả tự đánh giá",
            "Đăng ký công bố hợp quy",
            "Kiểm tra nhà nước về chất lượng hàng hóa nhập khẩu",
            "Chứng nhận chuẩn đo lường",
        ],
    ),
    (
        "Hoạt động khoa học và công nghệ",
        P,
        ["SKHCN"],
        (5, 15),
        [
            "Cấp Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
            "Cấp Giấy chứng nhận doanh nghiệp khoa học và công nghệ",
            "Đăng ký kết quả thực hiện nhiệm vụ khoa học và công nghệ",
        ],
    ),
    (
        "Đầu tư tại Việt Nam",
        P,
        ["BQLKCN"],
        (15, 15),
        [
            "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc diện chấp thuận chủ trương đầu tư",
            "Điều chỉnh Giấy chứng nhận đăng ký đầu tư",
            "Chấp thuận chủ trương đầu tư của UBND tỉnh",
        ],
    ),
    (
        "Đường bộ",
        P,
        ["SXD"],
        (3, 10),
        [
            "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
            "Cấp lại giấy phép lái xe",
            "Cấp giấy phép kinh doanh vận tải bằng xe ô tô",
            "Cấp phù hiệu xe ô tô kinh doanh vận tải",
            "Chấp thuận xây dựng công trình thiết yếu trong phạm vi bảo vệ kết cấu hạ tầng giao thông đường bộ",
            "Cấp giấy phép thi công nút giao đấu nối vào quốc lộ",
            "Đăng ký khai thác tuyến vận tải hành khách cố định",
            "Cấp giấy phép lưu hành xe quá tải trọng, quá khổ giới hạn",
        ],
    ),
    (
        "Tôn giáo",
        P,
        ["SDTTG"],
        (15, 30),
        [
            "Đăng ký hoạt động tôn giáo cho tổ chức có địa bàn hoạt động ở nhiều xã",
            "Đề nghị tổ chức hội nghị thường niên của tổ chức tôn giáo",
            "Đăng ký người được bổ nhiệm, bầu cử, suy cử làm chức việc",
        ],
    ),
    (
        "Giải quyết khiếu nại, tố cáo",
        P,
        ["TTT"],
        (30, 45),
        [
            "Giải quyết khiếu nại lần hai tại cấp tỉnh",
            "Giải quyết tố cáo tại cấp tỉnh",
            "Tiếp công dân tại cấp tỉnh",
        ],
    ),
]
DAY_CHOICES = [0.5, 1, 2, 3, 5, 7, 10, 12, 15, 20, 25, 30, 45]

# The legal basis of each field's procedures: the law and decree of that field (titles only).
LEGAL_BASIS = {
    "Đất đai": "Luật Đất đai số 31/2024/QH15; Nghị định 101/2024/NĐ-CP",
    "Xây dựng": "Luật Xây dựng số 50/2014/QH13, sửa đổi, bổ sung năm 2020; Nghị định 175/2024/NĐ-CP",
    "Hộ tịch": "Luật Hộ tịch số 60/2014/QH13; Nghị định 123/2015/NĐ-CP",
    "Chứng thực": "Nghị định 23/2015/NĐ-CP về cấp bản sao từ sổ gốc, chứng thực bản sao từ bản chính, chứng thực "
    "chữ ký và chứng thực hợp đồng, giao dịch; Luật Công chứng",
    "Thành lập và hoạt động doanh nghiệp": "Luật Doanh nghiệp số 59/2020/QH14; Nghị định 01/2021/NĐ-CP",
    "Thành lập và hoạt động của hộ kinh doanh": "Luật Doanh nghiệp số 59/2020/QH14; Nghị định 01/2021/NĐ-CP",
    "Lưu thông hàng hóa trong nước": "Luật Thương mại số 36/2005/QH11; Nghị định 105/2017/NĐ-CP; "
    "Nghị định 83/2014/NĐ-CP",
    "Môi trường": "Luật Bảo vệ môi trường số 72/2020/QH14; Nghị định 08/2022/NĐ-CP",
    "Trồng trọt và bảo vệ thực vật": "Luật Trồng trọt số 31/2018/QH14; Luật Bảo vệ và kiểm dịch thực vật số "
    "41/2013/QH13",
    "Chăn nuôi và thú y": "Luật Chăn nuôi số 32/2018/QH14; Luật Thú y số 79/2015/QH13",
    "Thủy sản": "Luật Thủy sản số 18/2017/QH14; Nghị định 26/2019/NĐ-CP",
    "Lâm nghiệp": "Luật Lâm nghiệp số 16/2017/QH14; Nghị định 156/2018/NĐ-CP",
    "Thủy lợi": "Luật Thủy lợi số 08/2017/QH14; Nghị định 67/2018/NĐ-CP",
    "Nông nghiệp": "Luật Trồng trọt số 31/2018/QH14; Luật Chăn nuôi số 32/2018/QH14",
    "Giáo dục và đào tạo": "Luật Giáo dục số 43/2019/QH14",
    "Khám bệnh, chữa bệnh": "Luật Khám bệnh, chữa bệnh số 15/2023/QH15; Luật Dược số 105/2016/QH13",
    "An toàn thực phẩm": "Luật An toàn thực phẩm số 55/2010/QH12; Nghị định 15/2018/NĐ-CP",
    "Văn hóa, thể thao và du lịch": "Luật Du lịch số 09/2017/QH14; Luật Thể dục, thể thao số 77/2006/QH11",
    "Xuất bản, in và phát hành": "Luật Xuất bản số 19/2012/QH13; Nghị định 60/2014/NĐ-CP",
    "Việc làm": "Luật Việc làm số 38/2013/QH13; Bộ luật Lao động số 45/2019/QH14",
    "Thi đua, khen thưởng": "Luật Thi đua, khen thưởng số 06/2022/QH15; Nghị định 98/2023/NĐ-CP",
    "Tiêu chuẩn đo lường chất lượng": "Luật Tiêu chuẩn và Quy chuẩn kỹ thuật số 68/2006/QH11; Luật Đo lường số "
    "04/2011/QH13",
    "Hoạt động khoa học và công nghệ": "Luật Khoa học và công nghệ số 29/2013/QH13",
    "Đầu tư tại Việt Nam": "Luật Đầu tư số 61/2020/QH14; Nghị định 31/2021/NĐ-CP",
    "Đường bộ": "Luật Đường bộ số 35/2024/QH15; Luật Trật tự, an toàn giao thông đường bộ số 36/2024/QH15",
    "Tôn giáo": "Luật Tín ngưỡng, tôn giáo số 02/2016/QH14; Nghị định 95/2023/NĐ-CP",
    "Giải quyết khiếu nại, tố cáo": "Luật Khiếu nại số 02/2011/QH13; Luật Tố cáo số 25/2018/QH14; Luật Tiếp công "
    "dân số 42/2013/QH13",
}


def load(ctx):
    rng = random.Random(2026)
    province = ctx["province"]
    agencies = ctx["agencies"]
    communes = ctx["communes"]
    fields = {}
    procedures = []
    used = set()
    for field_name, level, agency_codes, (low, high), names in CATALOG:
        field = fields.get(field_name)
        if field is None:
            field = fields[field_name] = Field.objects.get_or_create(
                code=search_key(field_name).replace(" ", "-")[:50], defaults={"name": field_name}
            )[0]
        for name in names:
            code = f"{rng.choice([1, 1, 1, 2, 3])}.{rng.randint(0, 12999):06d}"
            while code in used:
                code = f"1.{rng.randint(0, 12999):06d}"
            used.add(code)
            days = Decimal(str(rng.choice([d for d in DAY_CHOICES if low <= d <= high] or [low])))
            procedures.append(
                (
                    AdminProcedure(
                        province=province,
                        code=code,
                        name=name,
                        field=field,
                        level=level,
                        processing_days=days,
                        fees=rng.choice(
                            [
                                "Không",
                                "Miễn phí",
                                "50.000 đồng/hồ sơ",
                                "100.000 đồng/giấy",
                                "Theo quy định của HĐND tỉnh",
                                "0,15% giá trị hợp đồng",
                            ]
                        ),
                        legal_basis=LEGAL_BASIS[field_name],
                        search_key=search_key(f"{code} {name}"),
                        sort_key=sort_key(name),
                    ),
                    agency_codes,
                )
            )
    AdminProcedure.objects.bulk_create([p for p, _ in procedures])
    saved = {p.code: p for p in AdminProcedure.objects.filter(province=province)}
    through = AdminProcedure.agencies.through
    links, processes = [], []
    for procedure, agency_codes in procedures:
        procedure = saved[procedure.code]
        targets = communes if agency_codes == ["COMMUNES"] else [agencies[c] for c in agency_codes]
        for agency in targets:
            links.append(through(adminprocedure_id=procedure.pk, agency_id=agency.pk))
            processes.append(
                ProcessDefinition(procedure=procedure, agency=agency, total_days=procedure.processing_days)
            )
    through.objects.bulk_create(links, batch_size=5000)
    ProcessDefinition.objects.bulk_create(processes, batch_size=2000)
    steps = []
    by_proc = {p.pk: p for p in saved.values()}
    for process in ProcessDefinition.objects.filter(agency__province=province).values("pk", "procedure_id"):
        allot = standard_allotment(by_proc[process["procedure_id"]].processing_days)
        for order, ((code, name, unit, role), days) in enumerate(zip(STANDARD_STEPS, allot, strict=True), start=1):
            steps.append(
                ProcessStep(
                    process_id=process["pk"],
                    order=order,
                    code=code,
                    name=name,
                    responsible_unit=unit,
                    responsible_role=role,
                    days=days,
                )
            )
    ProcessStep.objects.bulk_create(steps, batch_size=5000)
    ctx["procedures"] = saved
    ctx["stdout"].write(f"    {len(saved)} procedures, {len(processes)} process definitions")
