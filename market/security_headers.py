"""Security headers on every response.

A small after_request hook rather than Flask-Talisman: Talisman is barely maintained, and
what we need is a fixed policy plus two per-response exceptions (the media route's stricter
CSP for SVG, and same-origin framing of OCOP decision documents), which a dozen lines say
more plainly than another dependency's options.

The policy allows no inline script (`script-src 'self'`): every template loads its scripts
from /static, and the only inline <script> is schema.org JSON-LD, a data block that CSP does
not execute. tests/security/test_headers.py keeps templates that way."""
from __future__ import annotations

STRIPE_CHECKOUT = "https://checkout.stripe.com"

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(*, stripe: bool, frame_ancestors: str = "'none'") -> str:
    # Chrome applies form-action to the redirect that follows a form POST: the checkout form
    # posts here and is sent on to Stripe Checkout, so Stripe's origin must be allowed then.
    form_action = "'self'" + (f" {STRIPE_CHECKOUT}" if stripe else "")
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        f"form-action {form_action}",
        f"frame-ancestors {frame_ancestors}",
    ])


def init_app(app) -> None:
    stripe = bool(app.config.get("STRIPE_API_KEY"))
    policy = content_security_policy(stripe=stripe)
    same_origin_policy = content_security_policy(stripe=stripe, frame_ancestors="'self'")
    hsts = app.config.get("ENV_NAME") == "production"

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        # A view that lets this site frame it (OCOP decision documents shown inline to
        # reviewers) says so with X-Frame-Options: SAMEORIGIN; the CSP follows it.
        same_origin = headers.get("X-Frame-Options", "").upper() == "SAMEORIGIN"
        headers.setdefault("X-Frame-Options", "DENY")
        # setdefault: the media route's stricter policy for SVG files stays as it is.
        headers.setdefault("Content-Security-Policy", same_origin_policy if same_origin else policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if hsts:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
