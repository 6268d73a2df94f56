"""The Content-Security-Policy in a real browser: the live app sends it, and the browser tests'
Visit (conftest.py) hears every violation a page reports, which fails the test."""

import pytest

from centrale_booking.security import CONTENT_SECURITY_POLICY

INJECTIONS = {
    "style-src-attr": "() => document.body.setAttribute('style', 'background: red')",
    "style-src-elem": """() => {
        const style = document.createElement('style');
        style.textContent = 'body { background: red }';
        document.head.append(style);
    }""",
    "script-src-elem": """() => {
        const script = document.createElement('script');
        script.textContent = 'document.title = "injected"';
        document.body.append(script);
    }""",
    "img-src": """() => {
        const img = new Image();
        img.src = 'blob:' + location.origin + '/not-allowed';
        document.body.append(img);
    }""",
}


def test_the_live_app_sends_the_policy(visit):
    v = visit("it")
    response = v.open("/")
    header = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in header and "style-src 'self'" in header
    assert set(CONTENT_SECURITY_POLICY) <= {part.split()[0] for part in header.split("; ")}


@pytest.mark.parametrize("directive", list(INJECTIONS))
def test_a_violation_on_a_page_is_heard(visit, directive):
    v = visit("it")
    v.open("/")
    v.page.evaluate(INJECTIONS[directive])
    v.flush_reports()
    heard = v.csp_violations[:]
    v.csp_violations.clear()  # heard, as it should be: this test must not fail for it
    assert any(report.startswith(directive) for report in heard), heard
    if directive == "script-src-elem":
        assert v.page.title() != "injected"  # and the browser refused to run it
