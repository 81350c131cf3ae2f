"""Public consultations: round tables, live polls, moderated questions; built by issue 9."""
