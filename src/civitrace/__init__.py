"""civitrace: privacy-first pandemic response.

Packages by domain: ``en`` (exposure notification protocol), ``client`` (reference device),
``presence`` (venue check-in), ``server``, ``governance``, ``analytics``, ``sim``, ``consult``,
``web``. Protocol packages know nothing of servers or storage.
"""

__version__ = "0.1.0"
