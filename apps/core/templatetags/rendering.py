from django import template
from apps.core.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Render untrusted Markdown through the sanitiser (apps.core.rendering)."""
    return render_markdown(text)
