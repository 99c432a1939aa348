"""Reports for team leads (/berichte/): one small selector module per report, the SVG charts
(svg.py) and the CSV export (csv_export.py). Every figure is for a period of Berlin days."""
