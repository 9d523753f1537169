"""The nightly job: provision many orgs from an inventory, in shards, with reports (`provisioner run`)."""
