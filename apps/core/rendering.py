"""Untrusted text (prompts, responses, guidelines, anchors) to safe HTML.

Markdown is parsed with raw HTML disabled, so any tag in the source shows as text; code blocks are
highlighted with Pygments; ``$…$`` / ``$$…$$`` math is kept as marked-up TeX for the page's math
renderer. The resulting HTML then passes through nh3 (ammonia) with a short allow-list, so no
script, event handler or ``javascript:`` link survives whatever the parser did.

Images load only from this site (``/static/…``, a relative path). An image anywhere else (``https://…``,
``//host/…``) would make every reader's browser fetch it when the text is shown, telling that host who reads
what and from where (tracking pixels in an imported response): it renders as a plain link, "Image: alt text",
that a reader may follow or not. Inside a link, just the text.
"""
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "span",
    "div", "sup", "sub", "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "span": {"class"},
    "div": {"class"},
    "code": {"class"},
    "pre": {"class"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# A path on this site: no scheme or host ("//host" and "/\\host" are hosts to a browser), no spaces or controls.
LOCAL_SRC = re.compile(r"^(?!//)[^:\\\s\x00-\x1f]+$")


def is_local_src(src: str | None) -> bool:
    return bool(src) and LOCAL_SRC.match(src) is not None


def _highlight(code: str, lang: str, _attrs) -> str:
    try:
        lexer = get_lexer_by_name(lang) if lang else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    lang_class = f' class="language-{escape(lang)}"' if lang else ""
    return f'<pre class="highlight"><code{lang_class}>{highlight(code, lexer, HtmlFormatter(nowrap=True))}</code></pre>'



def _math(content: str, _options: dict) -> str:
    # The plugin wraps it: <span class="math inline"> or <div class="math block">.
    return escape(content)


def _image(renderer, tokens, idx, options, env) -> str:
    """A local image as an image; any other as a link to it (inside a link: its text), so nothing loads from
    elsewhere."""
    token = tokens[idx]
    src = token.attrGet("src") or ""
    if is_local_src(src):
        return renderer.image(tokens, idx, options, env)
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    text = escape(f"Image: {alt}" if alt else "Image")
    if env.get("links_open"):
        return text
    return f'<a href="{escape(src)}">{text}</a>'


def _link_open(renderer, tokens, idx, options, env) -> str:
    env["links_open"] = env.get("links_open", 0) + 1
    return renderer.renderToken(tokens, idx, options, env)


def _link_close(renderer, tokens, idx, options, env) -> str:
    env["links_open"] = env.get("links_open", 1) - 1
    return renderer.renderToken(tokens, idx, options, env)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "highlight": _highlight})
    md.enable("table").enable("strikethrough")
    md.add_render_rule("image", _image)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("link_close", _link_close)
    # Pandoc's rule: "$5 and $10" stays text, "$x^2$" is math.
    md.use(dollarmath_plugin, renderer=_math, double_inline=True, allow_space=False, allow_digits=False)
    return md


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not is_local_src(value):
        return None  # an image from elsewhere that got this far anyway loads nothing
    return value


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
        attribute_filter=_attribute_filter,
    )


def render_markdown(text: str | None) -> SafeString:
    """Markdown source from anyone → HTML that is safe to put in a page.

    The same text gives the same HTML, so recent results are kept (per process, bounded): rubric anchors and
    guidelines are drawn on every item page, and a prompt shows again with each of its comparisons."""
    if not text:
        return mark_safe("")
    return _rendered(text)


@lru_cache(maxsize=2048)
def _rendered(text: str) -> SafeString:
    return mark_safe(sanitize_html(_parser().render(text)))
