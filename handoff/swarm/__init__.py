"""Case swarming: the owning agent pulls experts into one internal room; the customer only ever hears the owner."""
