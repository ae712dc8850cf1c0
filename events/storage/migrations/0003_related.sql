-- Links between curated events (contradicts, corroborates, same-incident), as the record gives
-- them: json, like the other list columns, so exports keep the record's key order.
ALTER TABLE events ADD COLUMN related json;
