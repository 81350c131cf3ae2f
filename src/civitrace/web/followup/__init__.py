"""The public page of voluntary quarantine follow-up (``/followup/{code}``): a daily check-in
in the person's language, with no account and never a question about where they are."""
