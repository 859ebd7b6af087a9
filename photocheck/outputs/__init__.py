"""Writers of scan results: JSON, terminal, and later HTML, XMP and export. No analysis happens here."""
