from factory.django import DjangoModelFactory

from kc.customers.tests.factories import BusinessPartnerFactory, PostalAddressFactory
from kc.letters.models import Letterhead


class LetterheadFactory(DjangoModelFactory[Letterhead]):
    class Meta:
        model = Letterhead

    name = "Stadtwerke Musterstadt GmbH"
    street_line = "Hauptstraße 1"
    city_line = "42651 Musterstadt"
    phone = "0800 1234 567"
    email = "kundenservice@stadtwerke-musterstadt.example"
    web = "www.stadtwerke-musterstadt.example"
    bank_name = "Sparkasse Musterstadt"
    iban = "DE02 1203 0000 0000 2020 51"
    bic = "BYLADEM1001"
    creditor_id = "DE98ZZZ09999999999"
    register_line = "Amtsgericht Musterstadt HRB 1234"
    management_line = "Geschäftsführung: Erika Beispiel"
    vat_id = "DE123456789"


def customer_with_address(**partner_fields: object):  # type: ignore[no-untyped-def]
    partner = BusinessPartnerFactory(**partner_fields)
    PostalAddressFactory(partner=partner, street="Gärtnerstraße", house_number="12a")
    return partner
