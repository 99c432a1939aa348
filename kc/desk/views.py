from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def customer_search(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def customer_detail(request: HttpRequest, partner_id: int) -> HttpResponse:
    return HttpResponse("")
