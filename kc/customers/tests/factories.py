import datetime

import factory
from factory.django import DjangoModelFactory

from kc.customers.models import BusinessPartner, ContractAccount, PostalAddress


class BusinessPartnerFactory(DjangoModelFactory[BusinessPartner]):
    class Meta:
        model = BusinessPartner

    number = factory.Sequence(lambda n: f"{1_500_000 + n}")
    kind = BusinessPartner.Kind.PERSON
    salutation = BusinessPartner.Salutation.MS
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    birth_date = datetime.date(1970, 5, 17)
    email = factory.LazyAttribute(lambda o: f"{o.number}@example.org")
    phone = "0211 1234567"
    preferred_channel = BusinessPartner.Channel.POST


class PostalAddressFactory(DjangoModelFactory[PostalAddress]):
    class Meta:
        model = PostalAddress

    partner = factory.SubFactory(BusinessPartnerFactory)
    kind = PostalAddress.Kind.MAIN
    street = "Hauptstraße"
    house_number = factory.Sequence(lambda n: str(n % 200 + 1))
    postal_code = "42651"
    city = "Solingen"


class ContractAccountFactory(DjangoModelFactory[ContractAccount]):
    class Meta:
        model = ContractAccount

    number = factory.Sequence(lambda n: f"{450_000_000_000 + n}")
    partner = factory.SubFactory(BusinessPartnerFactory)
    payment_method = ContractAccount.PaymentMethod.DIRECT_DEBIT
    iban = "DE89370400440532013000"
    bic = "COBADEFFXXX"
    account_holder = factory.LazyAttribute(lambda o: o.partner.display_name)
