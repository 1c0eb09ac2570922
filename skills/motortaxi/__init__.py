"""Motorcycle taxis skill: verify a rider by vest QR or ID code, complaints, legal fares, trip sharing.

* ``codes``: the vest ID code (eight digits with a Damm check digit)
* ``service``: verification, complaints (status changes notify the citizen), trips, positions
* ``fares``: legal maximum fares from ``data/fares.yml`` (sourced, dated)
* ``importer`` / ``demo``: agency CSV import with a rejection report; synthetic demo riders
* ``vest``: printable vest sheets (QR + code), QR decoding of chat photos
* ``web``: the public verification page, shared-trip page and staff APIs
"""
