"""The public-consultation pages (issue 9): join, participate, facilitate, moderate, project,
read the summary, and the staff console's screen that opens a consultation.

Pages are rendered on the server from the same snapshots the JSON API and the live event stream
use (:mod:`civitrace.server.consult.snapshots`), and every action is a plain form post that
calls the consultation services directly; one small script (``static/consult/live.js``) makes
the results and queues live over Server-Sent Events and sends the forms without reloading.
"""
