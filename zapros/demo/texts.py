"""The texts of the generated help desks, Zapros's (:mod:`.generate`) and django-helpdesk's
(``bench/helpdesk/generate.py``), so that both hold the same words to search for. Plain
lists: the helpdesk's generator runs in its own environment and imports only this."""

PROBLEMS = ["Site is down", "Cannot send mail", "Invoice question", "Slow database",
            "SSL certificate expired", "Domain transfer", "Backup restore", "502 Bad Gateway",
            "Refund request", "DNS records", "Disk quota exceeded", "PHP version upgrade",
            "Spam complaint", "Password reset does not arrive", "VPS does not boot",
            "Change of payer details", "Cron jobs stopped", "FTP access", "High load average",
            "Mailbox full"]
THINGS = ["on the main site", "for shop.example", "since yesterday", "after the update",
          "on VPS-2", "in the control panel", "again", "for the whole team", "this morning",
          "on the staging server", ""]
CLIENT_LINES = [
    "Hello, since this morning the site answers with an error.",
    "We did not change anything on our side.",
    "Could you please check it as soon as possible?",
    "The customers are complaining, it is urgent for us.",
    "I attached a screenshot of the error.",
    "It still does not work, I have just checked again.",
    "Thank you, now it works!",
    "Can you also tell me why it happened?",
    "The invoice shows a different amount than the price list.",
    "Please move the domain to the new account.",
    "We get \"Connection refused\" when we connect from the office.",
    "Here is the output:\n\n    $ curl -I https://example.com\n    HTTP/2 502",
    "Кажется, письма не доходят до получателей.",
]
STAFF_LINES = [
    "Hello! Thank you for writing to us.",
    "We have restarted the web server, the site opens again.",
    "The disk was full because of old backups; we removed them.",
    "Please clear the browser cache and try again.",
    "We have forwarded your question to the billing department.",
    "The certificate has been renewed and installed.",
    "The refund will arrive within 5 working days.",
    "Could you send us the exact time when the error happened?",
    "The DNS changes may take up to 24 hours to spread.",
    "Best regards,\nSupport team",
]
NOTE_LINES = ["Checked the logs: OOM killer at 03:12.", "Client pays late, be polite.",
              "Escalated to the network team.", "Same problem as last month, see the RAID.",
              "Waiting for the datacenter.", "Looks like spam from a hacked WordPress."]
