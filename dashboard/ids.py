"""Component ids, one place, so pages, callbacks and browser tests agree."""

LOCATION = "url"
NAV = "nav"
LANGUAGE_STORE = "language"

HOME_INTERVAL = "home-interval"
HOME_TILES = "home-tiles"
HOME_STATUS = "home-status"

# drill-down filters (one bar, shared by /queues, /agents, /agents/<id>)
FILTER_RANGE = "filter-range"
FILTER_DATES = "filter-dates"
FILTER_QUEUES = "filter-queues"
FILTER_CHANNELS = "filter-channels"
FILTER_QUERY = "filter-query"

QUEUES_TABLE = "queues-table"
QUEUES_FOCUS = "queues-focus"
QUEUES_INTRADAY = "queues-intraday"
QUEUES_STAFFING = "queues-staffing"
QUEUES_GAP = "queues-gap"

AGENTS_GRID = "agents-grid"
AGENTS_COLUMNS = "agents-columns"
AGENTS_EXPORT = "agents-export"

AGENT_SUMMARY = "agent-summary"
AGENT_TIMELINE = "agent-timeline"
AGENT_CONTACTS = "agent-contacts"
AGENT_TRENDS = "agent-trends"
AGENT_COMMENTS = "agent-comments"
AGENT_ID = "agent-id"

CONTACT_BODY = "contact-body"

# /trends: the executive week
TRENDS_WEEK = "trends-week"
TRENDS_LANGUAGE = "trends-language"
TRENDS_BODY = "trends-body"
TRENDS_PDF = "trends-pdf"
TRENDS_CSV = "trends-csv"
TRENDS_CSV_DOWNLOAD = "trends-csv-download"
TRENDS_PNG = "trends-png"
TRENDS_EXPORTS = "trends-exports"
TRENDS_LINES = "trends-lines"
TRENDS_HEATMAP = "trends-heatmap"
TRENDS_TOUCHPOINTS = "trends-touchpoints"
TRENDS_MIX = "trends-mix"
TRENDS_TOPICS = "trends-topics"

# wall pages and /alerts
WALL_INTERVAL = "wall-interval"
WALL_CONFIG = "wall-config"
WALL_HEADER = "wall-header"
WALL_BANNER = "wall-banner"
WALL_GRID = "wall-grid"
WALL_WINS = "wall-wins"
WALL_RENDERED = "wall-rendered"  # the key of the render this display shows
WALL_ACK = "wall-ack"  # pattern-matching: {"type": WALL_ACK, "alert": id}
WALL_AGENTS_INTERVAL = "wall-agents-interval"
WALL_AGENTS_CONFIG = "wall-agents-config"
WALL_AGENTS_HEADER = "wall-agents-header"
WALL_AGENTS_BOARD = "wall-agents-board"
ALERTS_INTERVAL = "alerts-interval"
ALERTS_FIRING = "alerts-firing"
ALERTS_ACK = "alerts-ack"  # pattern-matching: {"type": ALERTS_ACK, "alert": id}
ALERTS_RULES = "alerts-rules"
ALERTS_RULES_STATUS = "alerts-rules-status"
ALERTS_EVENTS = "alerts-events"
ALERTS_WEBHOOKS = "alerts-webhooks"
ALERTS_SOURCES = "alerts-sources"
