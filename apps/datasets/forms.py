from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

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
