"""Service catalogue: domain values and CSV/XLSX import/export. No database, no Telegram."""

from core.catalog.categories import (
    CATEGORIES,
    MAX_CATEGORY_LEN,
    Category,
    category_by_code,
    category_key,
    category_rank,
    resolve_category,
    valid_category_names,
)
from core.catalog.columns import ALL_COLUMNS, column_of, looks_like_header
from core.catalog.csv_io import (
    CatalogParseResult,
    catalog_row,
    parse_active,
    parse_catalog,
    parse_catalog_bytes,
    parse_catalog_rows,
    parse_catalog_text,
    restore_phone,
    split_list,
    write_catalog_csv,
)
from core.catalog.entry import MAX_NAME_LEN, MAX_SERVICE_ID_LEN, ServiceEntry
from core.catalog.problems import Problem, RowError, Translate
from core.catalog.xlsx import (
    WorkbookError,
    parse_catalog_file,
    parse_catalog_xlsx,
    parse_catalog_xlsx_bytes,
    write_catalog_xlsx,
)

__all__ = [
    "ALL_COLUMNS",
    "CATEGORIES",
    "MAX_CATEGORY_LEN",
    "MAX_NAME_LEN",
    "MAX_SERVICE_ID_LEN",
    "CatalogParseResult",
    "Category",
    "Problem",
    "RowError",
    "ServiceEntry",
    "Translate",
    "WorkbookError",
    "catalog_row",
    "category_by_code",
    "category_key",
    "category_rank",
    "column_of",
    "looks_like_header",
    "parse_active",
    "parse_catalog",
    "parse_catalog_bytes",
    "parse_catalog_file",
    "parse_catalog_rows",
    "parse_catalog_text",
    "parse_catalog_xlsx",
    "parse_catalog_xlsx_bytes",
    "resolve_category",
    "restore_phone",
    "split_list",
    "valid_category_names",
    "write_catalog_csv",
    "write_catalog_xlsx",
]
