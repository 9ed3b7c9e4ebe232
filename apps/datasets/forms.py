from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .exporters import FORMATS
from .models import ImportFormat


class ImportForm(forms.Form):
    file = forms.FileField(help_text="JSONL or CSV; the whole file is checked before anything is imported.")
    format = forms.ChoiceField(
        choices=[("", "Detect from the file")] + list(ImportFormat.choices), required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the limit is {filesizeformat(settings.IMPORT_MAX_BYTES)}."
            )
        return upload


class ExportForm(forms.Form):
    """The export page's choices; the download view reads the same names from the query string."""

    format = forms.ChoiceField(choices=[(f.key, f.title) for f in FORMATS.values()], initial="trl")
    gold = forms.ChoiceField(
        choices=[("include", "Include gold items"), ("exclude", "Leave gold items out")], required=False,
        help_text="TRL, pairs from rankings and FastChat: gold items count like others unless left out.",
    )
    margin = forms.BooleanField(
        required=False, label="Add margin",
        help_text="TRL and pairs from rankings: the mean preference strength toward the chosen response.",
    )
    conversational = forms.ChoiceField(
        choices=[("auto", "Messages when any prompt is multi-turn or has a system message"),
                 ("always", "Always messages")], required=False,
        help_text="TRL and pairs from rankings: chat message lists or plain strings, the same for every row.",
    )
    current_only = forms.BooleanField(
        required=False, label="Current versions only",
        help_text="Raw labels and raw step labels: leave out superseded versions.",
    )
    aggregate = forms.ChoiceField(
        choices=[("majority", "Majority of the current labels"),
                 ("dawid-skene", "Dawid-Skene label (weighs each annotator by their estimated reliability)")],
        required=False,
        help_text="TRL: how the chosen side is picked where no lead adjudicated; a Dawid-Skene tie is skipped like "
                  "a tie, and items labelled since the statistics last ran use the majority.",
    )
    neutral = forms.ChoiceField(
        choices=[("project", "As the project's setting says"), ("false", "Neutral (0) steps are false (TRL's mapping)"),
                 ("true", "Neutral (0) steps are true")], required=False,
        help_text="TRL stepwise: what a neutral step becomes; +1 is always true and −1 false.",
    )
