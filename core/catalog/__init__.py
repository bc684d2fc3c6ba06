"""Service catalogue: domain values and CSV/XLSX import/export. No database, no Telegram."""

from core.catalog.categories import (
    CATEGORIES,
    Category,
    category_by_code,
    resolve_category,
    valid_category_names,
)
from core.catalog.csv_io import (
    CatalogParseResult,
    RowError,
    catalog_row,
    parse_catalog,
    parse_catalog_bytes,
    parse_catalog_rows,
    parse_catalog_text,
    split_list,
    write_catalog_csv,
)
from core.catalog.entry import MAX_NAME_LEN, MAX_SERVICE_ID_LEN, ServiceEntry
from core.catalog.xlsx import (
    WorkbookError,
    parse_catalog_file,
    parse_catalog_xlsx,
    parse_catalog_xlsx_bytes,
    write_catalog_xlsx,
)

__all__ = [
    "CATEGORIES",
    "MAX_NAME_LEN",
    "MAX_SERVICE_ID_LEN",
    "CatalogParseResult",
    "Category",
    "RowError",
    "ServiceEntry",
    "WorkbookError",
    "catalog_row",
    "category_by_code",
    "parse_catalog",
    "parse_catalog_bytes",
    "parse_catalog_file",
    "parse_catalog_rows",
    "parse_catalog_text",
    "parse_catalog_xlsx",
    "parse_catalog_xlsx_bytes",
    "resolve_category",
    "split_list",
    "valid_category_names",
    "write_catalog_csv",
    "write_catalog_xlsx",
]
