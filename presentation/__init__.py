"""One look for every output: the theme (colours, fonts, number formats) and the charts."""
