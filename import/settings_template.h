// Every connector setting at the connector's default, commented, as
// `crmsim import` writes it into a scenario's `sync:` (docs/sync-config.md).
// A test reads it back and checks it is SyncConfig::defaults().
#pragma once

#include <string_view>

namespace crmsim::importer {

// The body of a `sync:` mapping, indented by two spaces.
inline constexpr std::string_view kSettingsTemplate = R"yaml(  # Your connector's settings pages, transcribed (docs/sync-config.md).
  # Each value below is the connector's default: change what your portal has.
  sync: on                          # on | off: the switch at the top of the settings
  salesforce:
    sandbox: false
    api_call_limit: 0               # calls per rolling 24 hours for the integration; 0: no cap
  strategy: native                  # native | batched (crmsim's batched integration)
  poll_interval: 15m                # how often Salesforce is checked
  contacts:
    create_in_salesforce_as: lead   # lead | contact
    on_salesforce_lead_change: create_or_update     # create_or_update | do_nothing
    on_salesforce_contact_change: create_or_update  # create_or_update | do_nothing
    on_salesforce_lead_delete: do_nothing           # delete_contact | do_nothing
    on_salesforce_contact_delete: do_nothing        # delete_contact | do_nothing
    lifecycle_from_opportunity: update              # update | do_nothing
    inclusion_list: null            # the name of a HubSpot contact list; null: every contact syncs
    state_country:
      salesforce: disabled          # disabled | enabled | enabled_customized (State/Country picklists)
      hubspot: send_as_is           # send_as_is | match_salesforce_defaults
    # field_mappings:               # replaces the default mappings when given, e.g.
    #   - {hubspot: email, salesforce: Email}
    #   - {hubspot: jobtitle, salesforce: Title, rule: two_way}
    #   rules: prefer_salesforce_unless_blank (default) | always_use_salesforce | two_way | dont_sync
  companies:
    sync: false                     # Sync Salesforce Accounts with HubSpot Companies
    dedupe: native                  # native | domain
    lifecycle_follows_contacts: true
  deals:
    sync: false                     # Sync Salesforce Opportunities and HubSpot Deals
    pipeline: default               # the HubSpot pipeline opportunities go into
    sync_rule: two_way              # for name, stage, close date and amount
    create_opportunities: true      # a deal made in HubSpot in the pipeline makes an opportunity
    # stages: {Prospecting: appointmentscheduled, Closed Won: closedwon, Closed Lost: closedlost}
  tickets:
    sync: false                     # HubSpot tickets <-> Salesforce cases
  campaigns:
    sync: false                     # Salesforce campaign membership -> HubSpot
  activities:
    sync: false                     # Sync Salesforce Tasks and HubSpot Engagements
    types: [calls, emails, meetings, notes, tasks]
)yaml";

}  // namespace crmsim::importer
