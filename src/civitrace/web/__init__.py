"""Templates, static assets and i18n catalogues shared by the pages; grows with issues 4-9."""
