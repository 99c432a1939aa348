from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "kc.channels"
    label = "channels"
    verbose_name = "Kanäle"
