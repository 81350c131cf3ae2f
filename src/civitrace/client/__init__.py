"""The reference device: what a phone's exposure-notification service keeps and does.

One module per job:

- :mod:`~civitrace.client.store` (with :mod:`~civitrace.client.sealed` and
  :mod:`~civitrace.client.document`): the encrypted on-device store and its 14-day retention;
- :mod:`~civitrace.client.scans`: the JSON-lines scan feed from the Bluetooth scanner;
- :mod:`~civitrace.client.downloads`: fetching and verifying export files;
- :mod:`~civitrace.client.device`: the :class:`~civitrace.client.device.Device` facade;
- :mod:`~civitrace.client.consent`: sharing keys, only with an explicit yes;
- :mod:`~civitrace.client.simulate`: scan feeds of simulated meetings;
- :mod:`~civitrace.client.scenario`: the end-to-end story ``civitrace demo`` tells;
- :mod:`~civitrace.client.errors`: what can go wrong, as :class:`civitrace.errors.CivitraceError`.

Privacy rules that hold throughout: the device never sends anything that identifies it
(downloads are anonymous and complete, matching is local), keys leave it only with consent,
nothing is logged, and everything it holds can be exported or deleted by its owner.
"""
