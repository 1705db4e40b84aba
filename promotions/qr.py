"""The QR picture of a coupon on "my coupons": server-side, inline (no request per coupon). The
code carries the coupon code itself, which the workbench's scanner (or a typing assistant) takes."""

import base64

from stores.qr_render import svg_bytes


def coupon_qr_data_uri(code: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg_bytes(code)).decode("ascii")
