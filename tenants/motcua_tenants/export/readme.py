"""The README written into every export, in Vietnamese and English: what the files are and how to read
them, without needing our documentation or code."""

README = """\
# Dữ liệu xuất của tỉnh / A province's exported data

## Tiếng Việt

Thư mục này chứa toàn bộ dữ liệu của tỉnh trên nền tảng Motcua Cloud tại một thời điểm (một ảnh chụp
nhất quán của cơ sở dữ liệu), ở định dạng mở, đọc được bằng bất kỳ phần mềm nào.

- `manifest.json`: mô tả bản xuất: phiên bản định dạng, tỉnh, thời điểm tạo, phiên bản lược đồ; với mỗi
  bảng: số dòng, danh sách cột và kiểu dữ liệu PostgreSQL, khóa chính, các cột bị loại ra, và mã SHA-256
  của từng tệp; với mỗi tệp tài liệu: khóa lưu trữ, đường dẫn, kích thước và SHA-256.
- `tables/<bảng>.jsonl` và `tables/<bảng>.csv`: mỗi bảng dữ liệu của tỉnh (hồ sơ, công dân, tài liệu,
  đơn vị, cán bộ, thủ tục, các bảng của từng nhóm thủ tục…), hai định dạng cùng một nội dung.
- `control/<bảng>.jsonl` và `.csv`: hồ sơ của tỉnh trên mặt phẳng quản trị: thông tin tỉnh, tên miền,
  nhóm thủ tục được dùng, hợp đồng, bảng giá, hóa đơn, thanh toán, sản lượng sử dụng theo ngày.
- `files/<khóa>`: các tệp tài liệu đã tải lên, đúng từng byte. Bảng `dossier_documents` nối mỗi tài liệu
  với tệp của nó qua cột `storage_key` (tệp `files/<storage_key>`).

Quy ước: JSON Lines là một đối tượng JSON mỗi dòng, UTF-8. CSV theo RFC 4180, UTF-8, có dòng tiêu đề,
xuống dòng CRLF, mọi giá trị đặt trong dấu nháy kép; ô trống không có nháy là NULL. Ngày giờ theo ISO
8601 (giờ UTC); số thập phân (NUMERIC) là chuỗi để không mất chữ số; dữ liệu nhị phân là base64; cột JSON
giữ nguyên JSON; mảng là mảng JSON. Mật khẩu, mã băm của mật khẩu và mã truy cập, và các khóa bí mật tích
hợp không được xuất (xem `excluded_columns` trong `manifest.json`).

## English

This folder holds all of the province's data on the Motcua Cloud platform at one moment (one consistent
snapshot of the database), in open formats any software can read.

- `manifest.json`: describes the export: format version, province, creation time, schema revisions; for
  each table its row count, its columns with their PostgreSQL types, its primary key, the columns left
  out, and the SHA-256 of each file; for each stored file its storage key, path, size and SHA-256.
- `tables/<table>.jsonl` and `tables/<table>.csv`: every table of the province's data (dossiers,
  citizens, documents, units, staff, procedures, each procedure group's own tables…), the same rows in
  two formats.
- `control/<table>.jsonl` and `.csv`: the province's records on the vendor's control plane: its tenant
  record, domains, procedure groups, contracts, prices, invoices, payments, daily usage.
- `files/<key>`: the uploaded documents, byte for byte. Table `dossier_documents` links each document to
  its file through column `storage_key` (file `files/<storage_key>`).

Conventions: JSON Lines is one JSON object per line, UTF-8. CSV follows RFC 4180: UTF-8, a header row,
CRLF line ends, every value in double quotes; an empty unquoted field is NULL. Dates and times are
ISO 8601 (in UTC); NUMERIC values are strings so no digit is lost; binary data is base64; JSON columns
are kept as JSON; arrays are JSON arrays. Passwords, hashes of passwords and access tokens, and
integration secrets are not exported (see `excluded_columns` in `manifest.json`).
"""
