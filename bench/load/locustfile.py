"""The users of `./eiso bench load` (bench/bench_load.py): officials of every role and the one-stop-shop software of
agencies, doing their usual flows against the production stack on loopback, and a probe of the trivial view.

Every request is named after its page (`name=`), so locust's statistics are per page, whatever the ids in the
address. A page counts as an error unless it answers 200 with what the page shows (a redirect to the login page is
an error, not a page). Talks to gunicorn as the nginx of deploy/ does: `X-Forwarded-Proto: https` (TLS ends at
nginx, cookies are Secure) and `X-Forwarded-For` with the user's own address (the login protection and the API
rate count per address behind EISO_TRUSTED_PROXIES=1; loopback addresses, one per simulated user).

The statistics start once every official has logged in: the login wave of the ramp-up (each login hashes the
password on purpose: PBKDF2, about a second of CPU) would otherwise stall every page for its first half minute. The
logins themselves are kept in the statistics ("login" and "login form [ramp-up]"), and the time the ramp-up took is
logged ("statistics from ..."); a visitor opens the login form throughout the run ("login form").

Read by locust; settings from the environment (bench_load.py sets them):
  EISO_BENCH_FIXTURES     JSON written by bench_load.py: password, accounts by role, API tokens, fallback ids
  EISO_BENCH_WAIT         think time between two steps, seconds "min-max" (default 1-4)
  EISO_BENCH_INCLUDE_RAMP 1: keep the ramp-up's requests in the statistics too
"""

import datetime as dt
import itertools
import json
import logging
import os
import random
import re
import time
import uuid
from http.cookiejar import DefaultCookiePolicy

from locust import FastHttpUser, between, events, task

FIXTURES = json.loads(open(os.environ["EISO_BENCH_FIXTURES"], encoding="utf-8").read())
_low, _, _high = os.environ.get("EISO_BENCH_WAIT", "1-4").partition("-")
THINK = between(float(_low), float(_high or _low))
SEARCH = "nguyen van"  # typed without diacritics, as officials do
DOSSIER_LINK = re.compile(r'href="/dossiers/(\d+)/"')
DOCUMENT_LINK = re.compile(r'href="/documents/(\d+)/"')
_addresses = itertools.count(1)
_api_slots = itertools.count()


# The login pages of the ramp-up: each official opens the form and logs in once, all in the first seconds, while the
# others' password hashes hold the CPU. The form in the steady state is the visitor's "login form".
LOGIN_FORM_RAMP = "login form [ramp-up]"
LOGIN_PAGES = (LOGIN_FORM_RAMP, "login")


class Ramp:
    """Resets the statistics when the spawning is complete and every official spawned has logged in, then replays
    the logins into them."""

    environment = None
    started = time.monotonic()
    spawned = False
    pending = 0  # officials inside on_start
    logins = []  # (request_type, name, response_time, response_length, exception) of the login pages
    done = os.environ.get("EISO_BENCH_INCLUDE_RAMP") == "1"

    @classmethod
    def check(cls):
        if cls.done or not cls.spawned or cls.pending or cls.environment is None:
            return
        cls.done = True
        cls.environment.stats.reset_all()
        for request_type, name, response_time, length, exception in cls.logins:
            cls.environment.events.request.fire(
                request_type=request_type,
                name=name,
                response_time=response_time,
                response_length=length,
                exception=exception,
                context={},
            )
        logging.warning("statistics from %.1f s on: every official logged in", time.monotonic() - cls.started)


@events.init.add_listener
def _init(environment, **_kwargs):
    Ramp.environment = environment


@events.spawning_complete.add_listener
def _spawned(user_count, **_kwargs):
    Ramp.spawned = True
    Ramp.check()


@events.request.add_listener
def _request(request_type, name, response_time, response_length, exception=None, **_kwargs):
    if name in LOGIN_PAGES and not Ramp.done:
        Ramp.logins.append((request_type, name, response_time, response_length, exception))


def next_address():
    """A loopback address of its own for each simulated user (127.0.1.1, 127.0.1.2, ...)."""
    n = next(_addresses)
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


class Page(FastHttpUser):
    """A browser of the site: every request names its page and must answer 200 with the expected text."""

    abstract = True
    wait_time = THINK

    def __init__(self, environment):
        self.default_headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": next_address()}
        super().__init__(environment)
        # The session and CSRF cookies are Secure (production settings): sent back as the browser does over the
        # HTTPS that nginx ends, here on the plain HTTP between the "proxy" and gunicorn.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))

    def page(self, path, name, expect=None, method="GET", **kwargs):
        """GET (or POST) a page without following redirects; returns its text, or None when it failed."""
        with self.client.request(method, path, name=name, allow_redirects=False, catch_response=True, **kwargs) as r:
            if r.status_code != 200:
                where = r.headers.get("Location", "") if r.headers else ""
                r.failure(f"HTTP {r.status_code} {where}".strip())
                return None
            text = r.text or ""
            if expect and expect not in text:
                r.failure(f"no {expect!r} in the page")
                return None
            r.success()
            return text


class Official(Page):
    abstract = True
    username = ""
    province_wide = False

    def on_start(self):
        Ramp.pending += 1
        try:
            self.log_in()
        finally:
            Ramp.pending -= 1
            Ramp.check()

    def log_in(self):
        self.dossiers = []
        page = self.page("/accounts/login/", LOGIN_FORM_RAMP, expect="csrfmiddlewaretoken")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page or "")
        form = {
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "username": self.username,
            "password": FIXTURES["password"],
        }
        headers = {"Referer": f"https://{self.host.split('://', 1)[-1]}/accounts/login/"}
        with self.client.post(
            "/accounts/login/", data=form, headers=headers, name="login", allow_redirects=False, catch_response=True
        ) as r:
            if r.status_code == 302 and r.headers.get("Location") == "/":
                r.success()
            else:
                r.failure(f"login of {self.username} answered HTTP {r.status_code}")

    # -- flows ---------------------------------------------------------------------------------------------------
    @property
    def scope(self):
        return "province" if self.province_wide else "agency"

    def home(self):
        self.page("/", "home", expect='data-testid="home-title"')

    def dossier_list(self, query=""):
        if query:
            text = self.page(f"/dossiers/?q={query.replace(' ', '+')}", f"dossier search · {self.scope}")
        else:
            text = self.page("/dossiers/", f"dossier list · {self.scope}")
        found = [int(pk) for pk in DOSSIER_LINK.findall(text or "")]
        if found:
            self.dossiers = found
        return found

    def open_dossier(self, pdf=False):
        """A dossier seen in the last list: its page, then its control sheet (on screen, or printed as PDF)."""
        ids = self.dossiers or FIXTURES["dossiers"].get(self.username, [])
        if not ids:
            return
        pk = random.choice(ids[:20])
        self.wait()
        self.page(f"/dossiers/{pk}/", "dossier detail")
        self.wait()
        if pdf:
            self.page(f"/dossiers/{pk}/control-sheet.pdf", "control sheet PDF [export]")
        else:
            self.page(f"/dossiers/{pk}/control-sheet/", "control sheet")

    def browse_dossiers(self):
        self.dossier_list()
        self.open_dossier()

    def search_dossiers(self):
        self.dossier_list(SEARCH)
        self.open_dossier()

    def analytics(self):
        self.page("/dossiers/analytics/", "analytics")

    def analytics_export(self):
        self.analytics()
        self.wait()
        self.page("/dossiers/analytics.xlsx", "analytics XLSX [export]")

    def documents_flow(self):
        text = self.page("/documents/", "document list")
        found = [int(pk) for pk in DOCUMENT_LINK.findall(text or "")]
        ids = found or FIXTURES["documents"].get(self.username, [])
        if ids:
            self.wait()
            self.page(f"/documents/{random.choice(ids)}/", "document detail")


def print_control_sheet(user):
    user.dossier_list()
    user.open_dossier(pdf=True)


# Each official's flows by weight (locust takes a dict of callables of the user).
HOME, BROWSE, FIND = Official.home, Official.browse_dossiers, Official.search_dossiers
DOCUMENTS, ANALYTICS, EXPORT = Official.documents_flow, Official.analytics, Official.analytics_export


class Staff(Official):
    """Cán bộ: works on the dossiers of the agency, reads the documents in force."""

    weight = 16
    username = FIXTURES["accounts"]["staff"]
    tasks = {HOME: 4, BROWSE: 3, FIND: 2, DOCUMENTS: 2, print_control_sheet: 1}


class IsoSecretary(Official):
    """Thư ký ISO: keeps the documents, follows the agency's dossiers and figures."""

    weight = 6
    username = FIXTURES["accounts"]["iso_secretary"]
    tasks = {HOME: 3, DOCUMENTS: 3, BROWSE: 2, FIND: 1, ANALYTICS: 2}


class AgencyHead(Official):
    """Lãnh đạo cơ quan: the agency's figures first, then dossiers and documents."""

    weight = 6
    username = FIXTURES["accounts"]["agency_head"]
    tasks = {HOME: 3, ANALYTICS: 3, BROWSE: 2, FIND: 1, DOCUMENTS: 2, EXPORT: 1}


class Oversight(Official):
    """Sở KH&CN: follows the whole province's dossiers, figures and documents."""

    weight = 6
    username = FIXTURES["accounts"]["oversight"]
    province_wide = True
    tasks = {HOME: 2, BROWSE: 3, FIND: 3, ANALYTICS: 3, DOCUMENTS: 2, EXPORT: 1}


class ProvincialViewer(Official):
    """UBND tỉnh: the province's overview and figures, now and then a list."""

    weight = 6
    username = FIXTURES["accounts"]["provincial_viewer"]
    province_wide = True
    tasks = {HOME: 3, ANALYTICS: 4, BROWSE: 2, FIND: 1, DOCUMENTS: 1}


STEPS = ["transfer", "review", "approve", "return"]  # after the receipt, as the demo's processes have them


class OneStopSoftware(Page):
    """An agency's one-stop-shop software pushing its dossiers' events through the API with its bearer token: a
    receipt, four hand-overs, the return, then the next dossier (one token per agency, as deployed)."""

    weight = 8

    def on_start(self):
        tokens = FIXTURES["tokens"]
        self.token = tokens[next(_api_slots) % len(tokens)]
        self.run = uuid.uuid4().hex[:8]
        self.count = 0
        self.stage = 0

    @task
    def push_event(self):
        if self.stage == 0:
            self.count += 1
            self.code = f"LOAD-{self.run}-{self.count}"
        token = self.token
        body = {
            "event_id": f"{self.code}-{self.stage}",
            "dossier_code": self.code,
            "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
        }
        if self.stage == 0:
            procedure = random.choice(token["procedures"])
            body |= {
                "event": "receive",
                "procedure_code": procedure,
                "applicant_name": "Nguyễn Văn Thử",
                "to_name": "Bộ phận một cửa",
            }
        elif self.stage <= len(STEPS):
            body |= {"event": "transfer", "step": STEPS[self.stage - 1], "to_name": "Chuyên viên xử lý"}
        else:
            body |= {"event": "return", "to_name": "Nguyễn Văn Thử"}
        with self.client.post(
            "/api/dossiers/events/",
            json=body,
            headers={"Authorization": f"Bearer {token['raw']}"},
            name="API: push event",
            catch_response=True,
        ) as r:
            if r.status_code == 201:
                r.success()
            else:
                r.failure(f"HTTP {r.status_code} {(r.text or '')[:200]}")
        self.stage = (self.stage + 1) % (len(STEPS) + 2)


class Visitor(Page):
    """Someone not logged in (a new office PC, a session ended after its idle time) opening the login form: the form
    as it is served once the ramp-up's logins are over, so its figures are not those of the login wave."""

    fixed_count = 1
    wait_time = between(1, 3)

    @task
    def login_form(self):
        self.page("/accounts/login/", "login form", expect="csrfmiddlewaretoken")


class Probe(Page):
    """The reference: the trivial view (/healthz: no database, no session) through the same stack, in the same run."""

    fixed_count = 2
    wait_time = between(0.5, 1.5)

    @task
    def healthz(self):
        self.page("/healthz", "trivial view /healthz (reference)", expect="ok")
