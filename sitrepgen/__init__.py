"""sitrepgen: weekly situation reports as YAML, published as Markdown, HTML, PDF and a website."""

__version__ = "0.1.0"
