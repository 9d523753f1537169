"""provisioner: set up Salesforce OAuth apps by driving Setup in a real browser."""

__version__ = "0.1.0"
