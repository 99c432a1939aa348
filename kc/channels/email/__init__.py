"""E-mail channel: parse and sanitise mail, read an IMAP mailbox, send by SMTP."""
