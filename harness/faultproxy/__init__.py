"""The fault proxy (Toxiproxy) that sits in front of every dependency."""
