"""The security headers of every answer (pages, API, errors and static files alike), set by
Flask-Talisman, plus `Cache-Control: no-store` on every answer but static files and what a view
says is public (the calendar feeds).

The Content-Security-Policy allows scripts, styles, fonts and images from this site only: no
inline <script>, no on*= handler, no style="" attribute and no <style> block in a page (their
CSS is in static/css/, their JavaScript in static/js/). `data:` images and fonts are allowed:
the favicon, and the icons and the font inside Bootstrap Italia's CSS. The HTML emails and the
PDFs keep their inline styles: no browser loads them as pages under this policy.

HSTS is sent when BASE_URL is https (and the request came over https, directly or through a
proxy saying X-Forwarded-Proto: https); the redirect from http to https is the proxy's job."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_talisman import Talisman

SELF = "'self'"

CONTENT_SECURITY_POLICY = {
    "default-src": SELF,
    "script-src": SELF,
    "style-src": SELF,
    "img-src": [SELF, "data:"],
    "font-src": [SELF, "data:"],  # Bootstrap Italia's CSS carries its video player's icon font
    "connect-src": SELF,
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": SELF,
    "frame-ancestors": "'none'",
}

# No page may use the camera (nor the Topics API), but the desk's scanner, on this site only:
# it reads QR codes with it (desk/__init__.py wraps its view in camera_page).
PERMISSIONS_POLICY = {"browsing-topics": "()", "camera": "()"}
CAMERA_PAGE_POLICY = {**PERMISSIONS_POLICY, "camera": "(self)"}

# No page sends its address to another site: manage links and tickets carry a secret in it.
REFERRER_POLICY = "same-origin"

HSTS_SECONDS = 365 * 24 * 3600

# Static files may be kept by a browser or a shared cache; nothing else may: a page or an API
# answer can hold a name, an email address, a manage token or a CSRF token.
KEEP_CACHE_CONTROL_OF = ("static",)

talisman = Talisman()


def init_app(app: Flask) -> None:
    https = app.config["BASE_URL"].startswith("https://")
    talisman.init_app(
        app,
        force_https=False,  # the proxy in front redirects; tests and `make run` speak http
        strict_transport_security=https,
        strict_transport_security_max_age=HSTS_SECONDS,
        strict_transport_security_include_subdomains=False,  # mmspa.eu's other hosts are not ours
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=[],  # nothing inline needs one
        permissions_policy=PERMISSIONS_POLICY,
        frame_options="DENY",  # for browsers that know no frame-ancestors
        referrer_policy=REFERRER_POLICY,
        session_cookie_secure=https,
        session_cookie_http_only=True,
        force_file_save=False,
    )

    @app.after_request
    def _not_stored(response: Response) -> Response:
        if request.endpoint in KEEP_CACHE_CONTROL_OF:
            return response
        said = response.headers.get("Cache-Control", "")
        if "public" not in said and "no-store" not in said:
            # A view that says its answer is public (the calendar feeds) keeps its word.
            response.headers["Cache-Control"] = "no-store"
        return response


def camera_page(view):
    """The view's pages may use the camera, on this site only (camera=(self))."""
    return talisman(permissions_policy=CAMERA_PAGE_POLICY)(view)
