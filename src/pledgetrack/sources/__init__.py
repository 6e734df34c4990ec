"""Evidence upkeep: which source URLs the pledges cite (:mod:`.citations`), checking them over
HTTP (:mod:`.probe`), the results kept between runs (:mod:`.kept`), as plain records
(:mod:`.results`)."""
