-- Where each name in the history came from: the sign-in proxy's header and the address it came
-- from ("X-Forwarded-User from 10.0.0.2"), or the local account ("EVENTS_USER, command line").
-- A name alone can be typed by anyone; this is what lets a reviewer tell who vouched for it.
ALTER TABLE event_history ADD COLUMN via text NOT NULL DEFAULT '';
