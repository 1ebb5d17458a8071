-- The response plans (of the incidents service) that reserved a contact as one of their
-- engagements (ReserveEngagementContacts, inside the plan write's transaction). A row
-- may outlive the plan's use of the contact (the write rolled back, a later update
-- dropped it): DeleteContact asks the incidents service about the reserving plans and
-- is refused only for those that still engage the contact (tocsin.contacts.dependants).
CREATE TABLE plan_engagement (
    contact_arn        text NOT NULL,
    response_plan_arn  text NOT NULL,
    reserved_at        timestamptz NOT NULL,
    PRIMARY KEY (contact_arn, response_plan_arn)
);

-- The channels of a page whose delivery every provider refused (DeliveryDeadLettered):
-- when every channel a page went to is here, nobody was reached by it.
CREATE TABLE page_channel_failed (
    page_arn     text NOT NULL REFERENCES page (arn) ON DELETE CASCADE,
    channel_arn  text NOT NULL,
    error        text NOT NULL,
    PRIMARY KEY (page_arn, channel_arn)
);
