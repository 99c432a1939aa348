"""Make a mail's HTML safe to show inside the staff workspace (nh3 / ammonia).

Kept: basic formatting, lists, quotes, tables, links (http, https, mailto, tel; always with
rel="noopener noreferrer nofollow" and target="_blank"). Dropped with their content: script,
style, title, textarea, etc. Dropped: event handlers, style attributes (CSS can load remote
images), classes, iframes, objects, forms and inputs.
Images: only `cid:` images that `cid_url` turns into a local URL survive; remote images
(tracking pixels) and `data:` URLs are removed entirely: a `data:` image can be arbitrarily
large and an SVG one can carry script, so none are allowed.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable

import nh3

CidUrl = Callable[[str], str | None]

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
CLEAN_CONTENT_TAGS = {"script", "style", "title", "textarea", "select", "noscript", "template"}
_CELL = {"align", "valign", "colspan", "rowspan", "width", "height"}
ATTRIBUTES = {
    "*": {"title", "dir", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": _CELL,
    "th": _CELL,
    "table": {"width", "border", "cellpadding", "cellspacing", "align"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "p": {"align"},
    "div": {"align"},
    "font": {"color", "size"},
    "ol": {"start", "type"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
LINK_REL = "noopener noreferrer nofollow"
_IMG = re.compile(r"<img\b[^>]*>")


def sanitize_html(html: str, cid_url: CidUrl | None = None) -> str:
    """Clean `html`; `cid_url(content_id)` gives the local URL of an inline image or None."""

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return _image_src(value, cid_url)
        return value

    cleaned = nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    )
    return _drop_empty_images(cleaned)


def _image_src(value: str, cid_url: CidUrl | None) -> str | None:
    src = value.strip()
    if not src.lower().startswith("cid:") or cid_url is None:
        return None  # remote, data: or relative image: removed
    content_id = src[4:].strip().strip("<>")
    return cid_url(content_id) if content_id else None


def _drop_empty_images(cleaned: str) -> str:
    """An <img> whose src was removed would still show a frame: replace it by its alt text.

    Works on nh3's own serialisation (attributes always double-quoted); the alt text is
    escaped again because html5ever leaves < and > unescaped inside attribute values.
    """

    def replace(match: re.Match[str]) -> str:
        tag = match.group(0)
        if " src=" in tag:
            return tag
        alt = re.search(r' alt="([^"]*)"', tag)
        return html_lib.escape(html_lib.unescape(alt.group(1))) if alt else ""

    return _IMG.sub(replace, cleaned)


def html_to_text(html: str) -> str:
    """Plain text of an HTML body (for search and quoting): tags removed, entities decoded."""
    blocks = nh3.clean(
        html, tags={"p", "br", "div", "li", "tr"}, clean_content_tags=CLEAN_CONTENT_TAGS
    )
    for tag in ("<br>", "</p>", "</div>", "</li>", "</tr>"):
        blocks = blocks.replace(tag, tag + "\n")
    text = html_lib.unescape(nh3.clean(blocks, tags=set()))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()
