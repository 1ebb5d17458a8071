-- Timeline events written with a time before 1970 (CreateTimelineEvent's eventTime,
-- UpdateTimelineEvent's, or StartIncident's triggerDetails.timestamp, accepted before the
-- gateway refused such times) made every read of their incident's timeline fail. Each
-- such time becomes the event's last update when that is in range (a custom event's
-- write), else the incident's creation (an automatic event, whose two times were both
-- the trigger's). Times after 9999 could never be stored.
UPDATE timeline_event AS t
   SET event_time = CASE
           WHEN t.event_time >= timestamptz '1970-01-01 00:00:00+00' THEN t.event_time
           WHEN t.event_updated_time >= timestamptz '1970-01-01 00:00:00+00'
               THEN t.event_updated_time
           ELSE COALESCE((SELECT i.creation_time FROM incident_record AS i
                          WHERE i.arn = t.incident_arn), now())
       END,
       event_updated_time = CASE
           WHEN t.event_updated_time >= timestamptz '1970-01-01 00:00:00+00'
               THEN t.event_updated_time
           ELSE COALESCE((SELECT i.creation_time FROM incident_record AS i
                          WHERE i.arn = t.incident_arn), now())
       END
 WHERE t.event_time < timestamptz '1970-01-01 00:00:00+00'
    OR t.event_updated_time < timestamptz '1970-01-01 00:00:00+00';
