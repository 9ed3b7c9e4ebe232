from django.apps import AppConfig


class RewardmodelsConfig(AppConfig):
    name = "apps.rewardmodels"
    label = "rewardmodels"
