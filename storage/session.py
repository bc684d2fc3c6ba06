"""A Session is one open transaction with its repositories; it never commits (the Database does)."""

from __future__ import annotations

import aiosqlite

from storage.sqlite.behalf import SqliteBehalf
from storage.sqlite.broadcasts import SqliteBroadcasts
from storage.sqlite.calls import SqliteCalls
from storage.sqlite.catalog import SqliteCatalog
from storage.sqlite.command_menus import SqliteCommandMenus
from storage.sqlite.communities import SqliteCommunities
from storage.sqlite.community_codes import SqliteCommunityCodes
from storage.sqlite.dialogs import SqliteDialogs
from storage.sqlite.funds import SqliteFunds
from storage.sqlite.hours import SqliteHours
from storage.sqlite.invites import SqliteInvites
from storage.sqlite.locks import SqlLocks
from storage.sqlite.outbox import SqliteOutbox
from storage.sqlite.privacy import SqlitePrivacy
from storage.sqlite.projects import SqliteProjects
from storage.sqlite.providers import SqliteProviders
from storage.sqlite.reports import SqliteReports
from storage.sqlite.requests import SqliteRequests
from storage.sqlite.street import SqliteStreetOffices
from storage.sqlite.street_reports import SqliteStreetReports
from storage.sqlite.update_queue import SqliteUpdateQueue
from storage.sqlite.users import SqliteUsers
from storage.sqlite.votes import SqliteVotes
from storage.sqlite.wechat import SqliteWeChat


class Session:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.users = SqliteUsers(conn)
        self.communities = SqliteCommunities(conn)
        self.dialogs = SqliteDialogs(conn)
        self.catalog = SqliteCatalog(conn)
        self.requests = SqliteRequests(conn)
        self.outbox = SqliteOutbox(conn)
        self.providers = SqliteProviders(conn)
        self.invites = SqliteInvites(conn)
        self.broadcasts = SqliteBroadcasts(conn)
        self.reports = SqliteReports(conn)
        self.votes = SqliteVotes(conn)
        self.privacy = SqlitePrivacy(conn)
        self.community_codes = SqliteCommunityCodes(conn)
        self.command_menus = SqliteCommandMenus(conn)
        self.update_queue = SqliteUpdateQueue(conn)
        self.locks = SqlLocks(conn)
        self.wechat = SqliteWeChat(conn)
        self.street = SqliteStreetOffices(conn)
        self.street_reports = SqliteStreetReports(conn)
        self.hours = SqliteHours(conn)
        self.behalf = SqliteBehalf(conn)
        self.funds = SqliteFunds(conn)
        self.projects = SqliteProjects(conn)
        self.calls = SqliteCalls(conn)
