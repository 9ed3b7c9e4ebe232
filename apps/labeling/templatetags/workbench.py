"""Tags for the workbench's hottest markup, drawn for every item an annotator is given.

``{% score_points cell %}``: the radio buttons of one rubric score cell. The same markup as a template loop over
the options, built with ``format_html`` (every value escaped); a template loop spent more on variable lookups
than on anything else in the page.
"""
from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

CHECKED = mark_safe(" checked")

register = template.Library()


@register.simple_tag
def score_points(cell):
    return format_html_join(
        "", '<label class="pt" title="{}{}"><input type="radio" name="{}" value="{}" data-key="{}"{}><span>{}</span></label>',
        (
            (option.value, format_html(" · {}", option.title) if option.title else "", cell.name, option.value,
             option.key, CHECKED if option.checked else "", option.label)
            for option in cell.options
        ),
    )
