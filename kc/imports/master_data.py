"""Rows of kunden.csv, vertragskonten.csv and vertraege.csv, written through the services of
kc.customers and kc.supply (postal code, IBAN and MaLo checks, audit rows)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kc.customers import services as customers
from kc.customers.models import BusinessPartner, Consent, ContractAccount, PostalAddress
from kc.imports import formats
from kc.imports.context import Context, Created
from kc.imports.csvfile import Row
from kc.imports.values import RowError, choice, optional_date, parse_date, parse_flag, required
from kc.payments import identifiers, mandates
from kc.supply import services as supply
from kc.supply.models import Contract, Division, MarketLocation, Tariff

KINDS = {
    "person": "person",
    "p": "person",
    "organisation": "organisation",
    "firma": "organisation",
    "o": "organisation",
}
SALUTATIONS = {"herr": "mr", "frau": "ms", "firma": "company", "ohne": "none", "divers": "none"}
CHANNELS = {"post": "post", "email": "email", "portal": "portal"}
PAYMENT_METHODS = {"lastschrift": "direct_debit", "ueberweisung": "transfer"}
DIVISIONS = {
    "strom": Division.POWER,
    "gas": Division.GAS,
    "wasser": Division.WATER,
    "fernwaerme": Division.HEAT,
    "waerme": Division.HEAT,
}
CONSENTS = {
    "werbung_email": Consent.Topic.MARKETING_EMAIL,
    "werbung_telefon": Consent.Topic.MARKETING_PHONE,
    "werbung_post": Consent.Topic.MARKETING_POST,
    "umfragen": Consent.Topic.SURVEY,
}
ADDRESS_COLUMNS = {
    "street": "strasse",
    "house_number": "hausnummer",
    "address_addition": "adresszusatz",
    "postal_code": "plz",
    "city": "ort",
}


def _address(values: dict[str, str]) -> dict[str, str]:
    for column in formats.ADDRESS:
        required(values, column)
    return {field: values[column] for field, column in ADDRESS_COLUMNS.items()}


class CustomerHandler:
    fmt = formats.CUSTOMERS
    columns = {
        "kind": "art",
        "salutation": "anrede",
        "title": "titel",
        "first_name": "vorname",
        "last_name": "nachname",
        "organisation_name": "firma",
        "birth_date": "geburtsdatum",
        "email": "email",
        "phone": "telefon",
        "mobile": "mobil",
        "preferred_channel": "versandweg",
        **ADDRESS_COLUMNS,
    }

    def _partner(self, values: dict[str, str]) -> dict[str, Any]:
        kind = choice(values, "art", KINDS, default="person")
        name_column = "firma" if kind == "organisation" else "nachname"
        required(values, name_column)
        return {
            "kind": kind,
            "salutation": choice(values, "anrede", SALUTATIONS, default="none"),
            "title": values["titel"],
            "first_name": values["vorname"],
            "last_name": values["nachname"],
            "organisation_name": values["firma"],
            "birth_date": optional_date(values, "geburtsdatum"),
            "email": values["email"],
            "phone": values["telefon"],
            "mobile": values["mobil"],
            "preferred_channel": choice(values, "versandweg", CHANNELS, default="post"),
        }

    def _consents(self, values: dict[str, str]) -> dict[str, bool]:
        return {topic: parse_flag(values, column) for column, topic in CONSENTS.items()}

    def create(self, ctx: Context, rows: list[Row]) -> Created:
        values = rows[0].values
        data, address, consents = self._partner(values), _address(values), self._consents(values)
        partner = customers.create_business_partner(data=data, address=address, actor=ctx.actor)
        self._record_consents(ctx, partner, consents)
        return Created(partner)

    def update(self, ctx: Context, rows: list[Row], object_id: int) -> None:
        values = rows[0].values
        data, address, consents = self._partner(values), _address(values), self._consents(values)
        partner = BusinessPartner.objects.get(pk=object_id)
        customers.update_business_partner(partner=partner, data=data, actor=ctx.actor)
        customers.set_postal_address(
            partner=partner, kind=PostalAddress.Kind.MAIN, data=address, actor=ctx.actor
        )
        self._record_consents(ctx, partner, consents)

    def _record_consents(
        self, ctx: Context, partner: BusinessPartner, consents: dict[str, bool]
    ) -> None:
        if any(consents.values()) or partner.consents.exists():
            customers.record_consents(
                partner=partner,
                granted=consents,
                source=f"Altsystem {ctx.system}"[:40],
                actor=ctx.actor,
            )


class AccountHandler:
    fmt = formats.ACCOUNTS
    columns = {
        "payment_method": "zahlweise",
        "iban": "iban",
        "bic": "bic",
        "account_holder": "kontoinhaber",
        "reference": "mandatsreferenz",
        "signed_on": "mandat_datum",
    }

    def _data(self, values: dict[str, str]) -> dict[str, str]:
        iban, bic = values["iban"], values["bic"]
        if iban:
            try:
                iban, derived = identifiers.validate_iban(iban)
            except ValidationError as error:
                raise RowError("iban", " ".join(error.messages)) from error
            bic = bic.replace(" ", "").upper() or derived
        return {
            "payment_method": choice(values, "zahlweise", PAYMENT_METHODS),
            "iban": iban,
            "bic": bic,
            "account_holder": values["kontoinhaber"],
        }

    def create(self, ctx: Context, rows: list[Row]) -> Created:
        values = rows[0].values
        partner_id = ctx.resolve(values, "kunde", formats.CUSTOMERS.entity)
        data = self._data(values)
        partner = BusinessPartner.objects.get(pk=partner_id)
        account = customers.create_contract_account(partner=partner, data=data, actor=ctx.actor)
        self._take_over_mandate(ctx, values, account)
        return Created(account)

    def update(self, ctx: Context, rows: list[Row], object_id: int) -> None:
        values = rows[0].values
        account = ContractAccount.objects.get(pk=object_id)
        if ctx.resolve(values, "kunde", formats.CUSTOMERS.entity) != account.partner_id:
            raise RowError(
                "kunde", _("Ein Vertragskonto kann nicht zu einem anderen Kunden wechseln.")
            )
        data = self._data(values)
        active = mandates.active_mandate(account)
        if active is None:
            account = customers.update_contract_account(account=account, data=data, actor=ctx.actor)
            self._take_over_mandate(ctx, values, account)
            return
        if (values["mandatsreferenz"], data["iban"]) != (active.reference, active.iban):
            raise RowError(
                "mandatsreferenz",
                _(
                    "Das Konto hat ein aktives Lastschriftmandat: Bankverbindung und Mandat "
                    "bitte im Kundencenter ändern (Mandatsänderung)."
                ),
            )

    def _take_over_mandate(
        self, ctx: Context, values: dict[str, str], account: ContractAccount
    ) -> None:
        """The legacy SEPA mandate continues with its reference (no new mandate, no letter)."""
        if not values["mandatsreferenz"]:
            return
        if account.payment_method != ContractAccount.PaymentMethod.DIRECT_DEBIT:
            raise RowError(
                "mandatsreferenz", _("Ein Mandat gibt es nur bei der Zahlweise Lastschrift.")
            )
        try:
            reference = identifiers.validate_mandate_reference(values["mandatsreferenz"])
        except ValidationError as error:
            raise RowError("mandatsreferenz", " ".join(error.messages)) from error
        mandates.take_over_mandate(
            account=account,
            reference=reference,
            iban=account.iban,
            bic=account.bic,
            account_holder=values["kontoinhaber"],
            signed_on=parse_date(values, "mandat_datum"),
            last_used_on=optional_date(values, "mandat_zuletzt_genutzt"),
            actor=ctx.actor,
        )


class ContractHandler:
    fmt = formats.CONTRACTS
    columns = {
        **ADDRESS_COLUMNS,
        "description": "lage",
        "malo_id": "malo_id",
        "division": "sparte",
        "tariff": "tarif",
        "start_date": "beginn",
        "end_date": "ende",
        "gas_network_area": "netzgebiet",
        "__all__": "",
    }

    def _tariff(self, values: dict[str, str]) -> Tariff:
        code = required(values, "tarif")
        tariff = Tariff.objects.filter(code=code).first()
        if tariff is None:
            raise RowError("tarif", _("Den Tarif „%(code)s“ gibt es nicht.") % {"code": code})
        return tariff

    def _location(self, ctx: Context, values: dict[str, str], division: str) -> MarketLocation:
        malo_id = required(values, "malo_id")
        location = MarketLocation.objects.filter(malo_id=malo_id).first()
        if location is not None:
            if location.division != division:
                raise RowError(
                    "sparte",
                    _("Die Marktlokation %(malo)s gehört zur Sparte %(division)s.")
                    % {"malo": malo_id, "division": location.get_division_display()},
                )
            return location
        premise = supply.create_premise(
            data={**_address(values), "description": values["lage"]}, actor=ctx.actor
        )
        return supply.create_market_location(
            premise=premise,
            malo_id=malo_id,
            division=division,
            gas_network_area=values["netzgebiet"],
            actor=ctx.actor,
        )

    def create(self, ctx: Context, rows: list[Row]) -> Created:
        values = rows[0].values
        account = ContractAccount.objects.get(pk=ctx.resolve(values, "konto", "account"))
        division = choice(values, "sparte", DIVISIONS)
        tariff, start = self._tariff(values), parse_date(values, "beginn")
        end = optional_date(values, "ende")
        location = self._location(ctx, values, division)
        contract = supply.create_contract(
            account=account,
            market_location=location,
            tariff=tariff,
            start_date=start,
            actor=ctx.actor,
        )
        if end is not None:
            supply.end_contract(contract=contract, end_date=end, actor=ctx.actor)
        return Created(contract)

    def update(self, ctx: Context, rows: list[Row], object_id: int) -> None:
        """Only the end of supply may change; anything else is a case for the agents."""
        values = rows[0].values
        contract = Contract.objects.select_related("tariff", "market_location").get(pk=object_id)
        fixed = {
            "konto": ctx.resolve(values, "konto", "account") == contract.account_id,
            "sparte": choice(values, "sparte", DIVISIONS) == contract.division,
            "malo_id": values["malo_id"] == contract.market_location.malo_id,
            "tarif": values["tarif"] == contract.tariff.code,
            "beginn": parse_date(values, "beginn") == contract.start_date,
        }
        changed = [column for column, same in fixed.items() if not same]
        if changed:
            raise RowError(
                changed[0],
                _(
                    "Nach der Übernahme ändert der Import nur das Vertragsende; geändert sind: "
                    "%(columns)s. Bitte im Kundencenter bearbeiten."
                )
                % {"columns": ", ".join(changed)},
            )
        supply.end_contract(
            contract=contract, end_date=optional_date(values, "ende"), actor=ctx.actor
        )
