"""Version 1 of every letter text (German: letters go to German customers).

Admins change the wording in the admin; these texts only seed a fresh installation. They are
data, not UI strings, so they are not in the translation catalogue.
"""

GREETING = "{{ anrede }}"
CLOSING = "Mit freundlichen Grüßen\n{{ versorger }}\n{{ ansprechpartner }}"
QUESTIONS = (
    "Bei Fragen erreichen Sie uns kostenfrei unter {{ hotline }} (Montag bis Samstag, "
    "8 bis 20 Uhr) oder in unseren Online-Services."
)
DISPUTE_NOTE = (
    "Bei Beanstandungen können Sie sich an unser Beschwerdemanagement wenden. Wird Ihrer "
    "Beschwerde nicht abgeholfen, können Sie die Schlichtungsstelle Energie e. V., "
    "Friedrichstraße 133, 10117 Berlin, anrufen. Der Verbraucherservice der Bundesnetzagentur "
    "(Postfach 8001, 53105 Bonn) informiert über Ihre Rechte."
)

INVOICE_FIELDS = (
    "rechnungsnummer",
    "zeitraum",
    "rechnungsbetrag",
    "ergebnis",
    "faellig_am",
    "zahlweise",
    "verbrauch_vorjahr",
    "verbrauch",
)
INVOICE_SUBJECT = "Ihre Rechnung {{ rechnungsnummer }} für {{ zeitraum }}"
INVOICE_BODY = f"""{GREETING}

wir haben Ihren Verbrauch für den Zeitraum {{{{ zeitraum }}}} abgerechnet.

{{{{ zaehlerstaende }}}}

{{{{ positionen }}}}

{{{{ ergebnis }}}}

Ihr Verbrauch in diesem Zeitraum: {{{{ verbrauch }}}} (Vorjahr: {{{{ verbrauch_vorjahr }}}}).

{{{{ zahlweise }}}} Der Betrag ist fällig am {{{{ faellig_am }}}}.

{QUESTIONS}

{DISPUTE_NOTE}

{CLOSING}"""

FINAL_INVOICE_SUBJECT = "Ihre Schlussrechnung {{ rechnungsnummer }} für {{ zeitraum }}"
FINAL_INVOICE_BODY = INVOICE_BODY.replace(
    "wir haben Ihren Verbrauch",
    "Ihr Liefervertrag ist beendet. Wir danken Ihnen für Ihr Vertrauen und haben Ihren "
    "Verbrauch bis zum Ende der Belieferung",
)

# "zahlweise" is the SEPA pre-notification (mandate reference, creditor ID, account) for
# direct-debit customers, or where to transfer the amounts.
BUDGET_FIELDS = ("abschlag", "erster_termin", "zahlweise")
BUDGET_PLAN_SUBJECT = "Ihr Abschlagsplan ab {{ erster_termin }}"
BUDGET_PLAN_BODY = f"""{GREETING}

für die kommenden Monate zahlen Sie einen monatlichen Abschlag von {{{{ abschlag }}}}. \
Die Fälligkeiten:

{{{{ faelligkeiten }}}}

{{{{ zahlweise }}}}

{QUESTIONS}

{CLOSING}"""

BUDGET_CHANGE_SUBJECT = "Bestätigung: Ihr neuer Abschlag ab {{ erster_termin }}"
BUDGET_CHANGE_BODY = f"""{GREETING}

wie gewünscht haben wir Ihren monatlichen Abschlag von {{{{ alter_abschlag }}}} auf \
{{{{ abschlag }}}} geändert. Die neuen Fälligkeiten:

{{{{ faelligkeiten }}}}

{{{{ zahlweise }}}}

{QUESTIONS}

{CLOSING}"""

CREDIT_NOTE_FIELDS = ("gutschriftsnummer", "rechnungsnummer", "rechnungsdatum", "betrag", "grund")
CREDIT_NOTE_SUBJECT = "Gutschrift {{ gutschriftsnummer }} zur Rechnung {{ rechnungsnummer }}"
CREDIT_NOTE_BODY = f"""{GREETING}

unsere Rechnung {{{{ rechnungsnummer }}}} vom {{{{ rechnungsdatum }}}} war nicht richtig \
({{{{ grund }}}}). Wir heben sie mit dieser Gutschrift über {{{{ betrag }}}} vollständig auf. \
Die berichtigte Rechnung erhalten Sie gesondert; bereits gezahlte Beträge rechnen wir dort an.

{QUESTIONS}

{DISPUTE_NOTE}

{CLOSING}"""

SEPA_MANDATE_SUBJECT = "Bestätigung Ihres SEPA-Lastschriftmandats {{ mandatsreferenz }}"
SEPA_MANDATE_BODY = f"""{GREETING}

vielen Dank für Ihr SEPA-Lastschriftmandat vom {{{{ erteilt_am }}}}. Wir haben es wie folgt \
erfasst:

Gläubiger-Identifikationsnummer: {{{{ glaeubiger_id }}}}
Mandatsreferenz: {{{{ mandatsreferenz }}}}
Kontoinhaber/in: {{{{ kontoinhaber }}}}
IBAN: {{{{ iban }}}}

Sie haben uns ermächtigt, Zahlungen von Ihrem Konto mittels Lastschrift einzuziehen, und \
Ihr Kreditinstitut angewiesen, unsere Lastschriften einzulösen. Sie können innerhalb von \
acht Wochen, beginnend mit dem Belastungsdatum, die Erstattung des belasteten Betrages \
verlangen. Es gelten dabei die mit Ihrem Kreditinstitut vereinbarten Bedingungen.

Den Betrag und das Datum jeder Belastung teilen wir Ihnen vorab mit.

{CLOSING}"""

PORTAL_CODE_SUBJECT = "Ihr Freischaltcode für das Kundenportal"
PORTAL_CODE_BODY = f"""{GREETING}

Sie haben einen Freischaltcode für unser Kundenportal angefordert. Mit Ihrer Kundennummer \
{{{{ kundennummer }}}} und diesem Code legen Sie Ihren Zugang an:

Freischaltcode: {{{{ freischaltcode }}}}
Gültig bis: {{{{ gueltig_bis }}}}

Der Code gilt nur einmal. Haben Sie keinen Code angefordert, können Sie diesen Brief \
vernichten; ohne den Code kann niemand einen Zugang für Sie anlegen.

{QUESTIONS}

{CLOSING}"""

TARIFF_OFFER_SUBJECT = "Ihr persönliches Angebot: {{ tarif }}"
TARIFF_OFFER_BODY = f"""{GREETING}

gern unterbreiten wir Ihnen unser Angebot für {{{{ sparte }}}}. Bei einem Jahresverbrauch \
von {{{{ verbrauch }}}} gelten folgende Preise (brutto, inklusive Umsatzsteuer):

{{{{ preise }}}}

Ihre voraussichtlichen Jahreskosten: {{{{ jahreskosten }}}}.

Das Angebot gilt bis {{{{ gueltig_bis }}}}. Sie nehmen es an, indem Sie uns anrufen, in \
unseren Online-Services zustimmen oder uns schreiben.

{CLOSING}"""

REMINDER_SUBJECT = "Zahlungserinnerung"
REMINDER_BODY = f"""{GREETING}

sicher haben Sie es übersehen: Folgende Beträge haben wir noch nicht erhalten.

{{{{ posten }}}}

Bitte überweisen Sie den offenen Betrag von {{{{ offener_betrag }}}} bis zum \
{{{{ zahlbar_bis }}}}. Für diese Erinnerung berechnen wir {{{{ mahngebuehr }}}}. Haben Sie \
inzwischen gezahlt, betrachten Sie dieses Schreiben bitte als gegenstandslos.

Sie können nicht auf einmal zahlen? Sprechen Sie uns an, wir finden gemeinsam eine Lösung.

{QUESTIONS}

{CLOSING}"""

HELP_OFFERS = (
    "Hilfe in finanziellen Notlagen bieten die Schuldnerberatungsstellen, das Jobcenter und "
    "das Sozialamt. Sie können bei uns außerdem eine Abwendungsvereinbarung mit zinsfreien "
    "Ratenzahlungen beantragen. Gründe, die gegen eine Unterbrechung sprechen (zum Beispiel "
    "eine Gefahr für Leib oder Leben), teilen Sie uns bitte umgehend mit."
)

THREAT_SUBJECT = "Androhung der Unterbrechung Ihrer {{ sparte }}"
THREAT_BODY = f"""{GREETING}

trotz Mahnung sind folgende Beträge offen:

{{{{ posten }}}}

Ihr Zahlungsrückstand beträgt {{{{ rueckstand }}}}. Wenn Sie diesen Betrag nicht bis zum \
{{{{ zahlbar_bis }}}} zahlen, sind wir berechtigt, die Versorgung an Zähler \
{{{{ zaehlernummer }}}} frühestens ab dem {{{{ sperre_ab }}}} unterbrechen zu lassen. Den \
Termin kündigen wir Ihnen vorher gesondert an.

{HELP_OFFERS}

{QUESTIONS}

{CLOSING}"""

ANNOUNCEMENT_SUBJECT = "Ankündigung: Unterbrechung Ihrer {{ sparte }} am {{ sperrtermin }}"
ANNOUNCEMENT_BODY = f"""{GREETING}

da Ihr Zahlungsrückstand von {{{{ rueckstand }}}} weiterhin besteht, lassen wir die \
Versorgung an Zähler {{{{ zaehlernummer }}}} am {{{{ sperrtermin }}}} unterbrechen. Die \
Kosten der Unterbrechung und der Wiederherstellung ({{{{ sperrkosten }}}}) tragen Sie.

Sie verhindern die Unterbrechung, wenn Sie den Rückstand vorher zahlen und uns den \
Zahlbeleg schicken: in den Online-Services, per E-Mail oder am Fenster unseres \
Kundencenters. Nach Zahlung stellen wir die Versorgung unverzüglich wieder her.

{HELP_OFFERS}

{CLOSING}"""

INSTALLMENT_SUBJECT = "Ihr Angebot einer Abwendungsvereinbarung"
INSTALLMENT_BODY = f"""{GREETING}

um eine Unterbrechung Ihrer Versorgung abzuwenden, bieten wir Ihnen an, den Rückstand von \
{{{{ rueckstand }}}} in {{{{ ratenzahl }}}} zinsfreien Monatsraten von {{{{ rate }}}} zu \
zahlen, zusätzlich zu den laufenden Abschlägen:

{{{{ raten }}}}

Bitte teilen Sie uns bis zum {{{{ antwort_bis }}}} mit, ob Sie das Angebot annehmen. \
Solange Sie die Raten und Abschläge pünktlich zahlen, unterbrechen wir die Versorgung nicht.

{QUESTIONS}

{CLOSING}"""

RECONNECTION_SUBJECT = "Ihre {{ sparte }} ist wiederhergestellt"
RECONNECTION_BODY = f"""{GREETING}

wir haben die Versorgung an Zähler {{{{ zaehlernummer }}}} am {{{{ wiederhergestellt_am }}}} \
wiederhergestellt. Für Unterbrechung und Wiederherstellung berechnen wir {{{{ kosten }}}}.

{QUESTIONS}

{CLOSING}"""

COMPLAINT_ACK_SUBJECT = "Ihre Beschwerde {{ vorgangsnummer }}: Eingangsbestätigung"
COMPLAINT_ACK_BODY = f"""{GREETING}

Ihre Beschwerde vom {{{{ eingang_am }}}} ist bei uns eingegangen. Wir prüfen sie und \
antworten Ihnen spätestens bis zum {{{{ antwort_bis }}}}.

Bitte geben Sie bei Rückfragen die Vorgangsnummer {{{{ vorgangsnummer }}}} an.

{CLOSING}"""

# § 111a S. 3, 4 EnWG: when a complaint is not (fully) remedied, the answer names the
# Schlichtungsstelle Energie with address and website and says that we must take part.
COMPLAINT_ARBITRATION_NOTE = (
    "Da wir Ihrer Beschwerde nicht oder nicht vollständig abhelfen konnten, können Sie ein "
    "Schlichtungsverfahren bei der Schlichtungsstelle Energie e. V., Friedrichstraße 133, "
    "10117 Berlin, www.schlichtungsstelle-energie.de, beantragen (§ 111b EnWG). Wir sind "
    "verpflichtet, an diesem Schlichtungsverfahren teilzunehmen. Der Verbraucherservice der "
    "Bundesnetzagentur (Postfach 8001, 53105 Bonn) informiert über Ihre Rechte."
)

COMPLAINT_ANSWER_SUBJECT = "Ihre Beschwerde {{ vorgangsnummer }}"
COMPLAINT_ANSWER_BODY = f"""{GREETING}

vielen Dank für Ihre Beschwerde vom {{{{ eingang_am }}}}.

{{{{ antwort }}}}

{{{{ schlichtung_hinweis }}}}

{CLOSING}"""

FUNDING_APPROVAL_SUBJECT = "Ihr Förderantrag {{ antragsnummer }}: Bewilligung"
FUNDING_APPROVAL_BODY = f"""{GREETING}

Ihren Antrag {{{{ antragsnummer }}}} im Förderprogramm {{{{ programm }}}} \
({{{{ kategorie }}}}: {{{{ geraet }}}}) bewilligen wir mit {{{{ betrag }}}}.

{{{{ begruendung }}}}

{{{{ auszahlung }}}}

Die Förderung setzt voraus, dass Ihr Liefervertrag bis mindestens {{{{ bindung_bis }}}} \
besteht. Endet er früher, fordern wir die Förderung {{{{ rueckforderung }}}} zurück.

{CLOSING}"""

FUNDING_REJECTION_SUBJECT = "Ihr Förderantrag {{ antragsnummer }}: Ablehnung"
FUNDING_REJECTION_BODY = f"""{GREETING}

Ihren Antrag {{{{ antragsnummer }}}} im Förderprogramm {{{{ programm }}}} \
({{{{ kategorie }}}}: {{{{ geraet }}}}) können wir leider nicht bewilligen.

Begründung: {{{{ begruendung }}}}

{QUESTIONS}

{CLOSING}"""

FUNDING_CLAWBACK_SUBJECT = "Ihr Förderantrag {{ antragsnummer }}: Rückforderung"
FUNDING_CLAWBACK_BODY = f"""{GREETING}

für Ihren Antrag {{{{ antragsnummer }}}} im Förderprogramm {{{{ programm }}}} haben wir \
Ihnen {{{{ gefoerdert }}}} gewährt. Voraussetzung war, dass Ihr Liefervertrag bis mindestens \
{{{{ bindung_bis }}}} besteht. Ihr Vertrag endete am {{{{ vertragsende }}}}.

Wir fordern deshalb {{{{ betrag }}}} zurück ({{{{ berechnung }}}}). Den Betrag haben wir \
Ihrem Vertragskonto belastet; er ist zahlbar bis zum {{{{ zahlbar_bis }}}}.

{QUESTIONS}

{CLOSING}"""

APPOINTMENT_SUBJECT = "Ihr Termin am {{ termin }}"
APPOINTMENT_BODY = f"""{GREETING}

hiermit bestätigen wir Ihren Termin:

{{{{ terminart }}}} am {{{{ termin }}}} mit {{{{ berater }}}}
{{{{ ort }}}}

{{{{ absage_hinweis }}}}

{CLOSING}"""

FREE_TEXT_SUBJECT = "{{ betreff }}"
FREE_TEXT_BODY = f"""{GREETING}

{{{{ text }}}}

{CLOSING}"""
