"""Untrusted text (prompts, responses, guidelines, anchors) to safe HTML.

Markdown is parsed with raw HTML disabled, so any tag in the source shows as text; code blocks are
highlighted with Pygments; ``$…$`` / ``$$…$$`` math is kept as marked-up TeX for the page's math
renderer. The resulting HTML then passes through nh3 (ammonia) with a short allow-list, so no
script, event handler or ``javascript:`` link survives whatever the parser did.
"""
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


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "highlight": _highlight})
    md.enable("table").enable("strikethrough")
    # Pandoc's rule: "$5 and $10" stays text, "$x^2$" is math.
    md.use(dollarmath_plugin, renderer=_math, double_inline=True, allow_space=False, allow_digits=False)
    return md


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )


def render_markdown(text: str | None) -> SafeString:
    """Markdown source from anyone → HTML that is safe to put in a page."""
    if not text:
        return mark_safe("")
    return mark_safe(sanitize_html(_parser().render(text)))
