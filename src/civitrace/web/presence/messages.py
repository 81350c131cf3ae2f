"""The text the presence pages' scripts show, per module, translated through the catalogs.

Scripts cannot call gettext; each page embeds the translations of its modules' messages as JSON
(``client_messages`` + ``script_json``) and ``ui.js``'s ``t()`` looks them up, filling
``%(name)s`` placeholders. Every literal ``t('…')`` of a module must be listed here under that
module (a test compares the two), so nothing a script shows escapes translation.
"""

from collections.abc import Mapping
from typing import Final

from civitrace.web.catalogs import N_
from civitrace.web.presence.assets import closure

MESSAGES: Final[Mapping[str, tuple[str, ...]]] = {
    "checkin.js": (
        N_("Event: %(time)s"),
        N_("You + %(n)s more"),
        N_("Just you"),
        N_("Who is checking in?"),
        N_("Add a person"),
        N_("Remove a person"),
        N_("You can check in children or people you care for with you."),
        N_("Check in"),
        N_("You will be checked out automatically after %(minutes)s minutes."),
        N_("Your phone did not let this page save the check-in. Private browsing may block it."),
        N_("You are checked in"),
        N_("Since %(time)s."),
        N_("You will be checked out automatically at %(time)s."),
        N_("Check out now"),
        N_("Change the times or delete this check-in"),
        N_("You are checked out"),
        N_("You were here from %(start)s to %(end)s."),
        N_(
            "If someone who was here at the same time tests positive, you will see a warning in "
            "My check-ins."
        ),
        N_("My check-ins and warnings"),
        N_("This code cannot be read"),
        N_(
            "This is not a valid check-in code. Scan the code on the poster again, or ask the "
            "staff."
        ),
    ),
    "kiosk.js": (
        N_("%(minutes)s minutes"),
        N_("How long will you stay?"),
        N_("Check-in slip"),
        N_("Your code:"),
        N_(
            "To find out if you should take care, go to %(address)s on any computer or phone and "
            "type this code."
        ),
        N_(
            "Keep this slip for %(days)s days. Do not show the code to others: anyone with it can"
            " see this check-in."
        ),
        N_("Print again"),
        N_("Done: next visitor"),
        N_("This code cannot be read"),
        N_("Open this page from the link for your place, with its code after the # sign."),
        N_("Check in and print my slip"),
        N_("Preparing your slip…"),
        N_("The slip could not be saved. Please try again or ask the staff."),
    ),
    "list.js": (
        N_("No, keep it"),
        N_("Enter a date and a time."),
        N_("The arrival time cannot be in the future."),
        N_("The time you left must be after the time you arrived."),
        N_("A stay can be at most 24 hours."),
        N_("When you arrived"),
        N_("When you left"),
        N_("Save"),
        N_("Cancel"),
        N_("Change times"),
        N_("Delete this check-in?"),
        N_("Yes, delete"),
        N_("Delete"),
        N_("Check out now"),
        N_("You + %(n)s more"),
        N_("Checked in now. You will be checked out automatically at the end time."),
        N_("This browser does not let the page read its saved check-ins."),
        N_("You have no check-ins on this device."),
        N_("Delete all your check-ins from this device?"),
        N_("Yes, delete all"),
        N_("Delete all my check-ins"),
    ),
    "positive.js": (
        N_("No internet connection. Connect and try again."),
        N_("Too many tries. Please wait an hour and try again."),
        N_("This code cannot be used to warn others. Ask the health authority."),
        N_("This code has expired. Ask the health authority for a new one."),
        N_("This code is not valid. Check it and try again."),
        N_("This code was already used to send check-ins."),
        N_("Something went wrong. Please try again later."),
        N_("Enter the code from the health authority."),
        N_("Checking the code…"),
        N_("No check-ins to share"),
        N_(
            "There are no check-ins on this device from the last 15 days. There is nothing to send."
        ),
        N_("Choose at least one check-in."),
        N_("Choose the check-ins to share"),
        N_("Leave a place unticked if you do not want to share it."),
        N_("Your check-ins"),
        N_(
            "The server gets only encrypted entries mixed with fake ones. Only people who checked"
            " in at the same place can read them, and only on their own device."
        ),
        N_("Send and warn others"),
        N_("Sending…"),
        N_("Thank you. Your check-ins were sent."),
        N_(
            "The health authority will check them, then warn the people who were there at the "
            "same time. Nobody will learn who you are."
        ),
        N_("Please follow the advice you were given with your test result."),
        N_("Sharing check-ins is not set up on this service yet. Please ask the health authority."),
    ),
    "slip.js": (
        N_("No internet connection. Connect and try again."),
        N_(
            "No check-in was found for this code. Check the code. Slips are deleted after "
            "%(days)s days."
        ),
        N_("Too many tries on this service. Please try again in a few minutes."),
        N_("Something went wrong. Please try again later."),
        N_("A code has 12 letters and numbers, like 7KQM-2XWD-9HNC. Check what you typed."),
        N_("Looking for your check-in…"),
        N_("Your check-in"),
    ),
    "warnview.js": (
        N_("Get tested, even if you feel well."),
        N_(
            "Until you have a negative test, stay away from other people as much as you can, "
            "especially people who could get very ill."
        ),
        N_("Wear a mask when you cannot avoid being close to others."),
        N_("If you feel ill, stay at home and call your doctor or the health authority."),
        N_("Watch for signs of illness for the next 10 days."),
        N_("If you feel ill, stay at home and get tested."),
        N_("Higher risk on %(day)s"),
        N_("Lower risk on %(day)s"),
        N_(
            "A person who later tested positive was at %(place)s while you were there. Your risk "
            "is higher."
        ),
        N_(
            "A person who later tested positive was at %(place)s while you were there. Your risk "
            "is low."
        ),
        N_("This is also true for the people you checked in with you."),
        N_("What to do:"),
        N_("This service does not publish warnings yet."),
        N_("Checking for warnings…"),
        N_("Could not check for warnings. Check your internet connection and try again."),
        N_(
            "No warnings. Nobody who tested positive has reported being at these places at the "
            "same time as you."
        ),
        N_("There is a warning for you. Read what to do below."),
    ),
}


def page_messages(entry: str) -> tuple[str, ...]:
    """The messages of ``entry`` and of every module it loads, each once."""
    found: dict[str, None] = {}
    for module in closure(entry):
        found.update(dict.fromkeys(MESSAGES.get(module, ())))
    return tuple(found)
