from django.contrib import admin

from paperfeed.digests.models import Delivery, Subscriber


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "status", "frequency", "content", "timezone", "hard_failures")
    list_filter = ("status", "frequency", "content")
    search_fields = ("email",)
    readonly_fields = ("key", "created_at", "confirmed_at", "unsubscribed_at")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("subscriber", "period", "state", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("state",)
    search_fields = ("subscriber__email", "period")
    raw_id_fields = ("subscriber",)
