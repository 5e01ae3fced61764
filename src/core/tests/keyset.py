"""Test helpers for the lists paged by keyset (core.pagination): follow a list's own page links."""

import html
import re
from urllib.parse import parse_qs


def page_link(content: str, testid: str) -> str | None:
    """The href of the pagination link with this data-testid ("page-next", "page-previous"), unescaped."""
    match = re.search(rf'href="([^"]*)"[^>]*data-testid="{testid}"', content)
    return html.unescape(match.group(1)) if match else None


def walk(client, path: str, params: dict, forward: bool = True, max_pages: int = 20) -> tuple[list[int], int]:
    """Every page of the list at `path` from the first (or, backwards, from the last) following the page's own
    links: the ids seen in the list's order, and the number of pages. Each link must keep the filters."""
    response = client.get(path, params)
    if not forward:  # to the end first
        while link := page_link(response.content.decode(), "page-next"):
            response = client.get(path + link)
    seen, pages = [], 0
    while True:
        assert response.status_code == 200
        ids = [obj.pk for obj in response.context["page"]]
        seen = seen + ids if forward else ids + seen
        pages += 1
        assert pages < max_pages, "more pages than records"
        link = page_link(response.content.decode(), "page-next" if forward else "page-previous")
        if link is None:
            return seen, pages
        kept = parse_qs(link.removeprefix("?"))
        assert all(kept[name] == [str(value)] for name, value in params.items()), link  # the links keep the filters
        response = client.get(path + link)
