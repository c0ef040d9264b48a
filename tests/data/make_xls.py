"""Writes the legacy .xls fixtures beside this file (committed as binaries; run again only to change them):
    .venv/bin/python tests/data/make_xls.py
xlwt (requirements-dev.txt) writes BIFF8, the format Excel 97–2003 saves as .xls."""
from datetime import date, datetime
from pathlib import Path

import xlwt

HERE = Path(__file__).resolve().parent


def _book(header, rows, path, formats):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for col, title in enumerate(header):
        sheet.write(0, col, title)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            style = formats.get(type(value))
            sheet.write(r, col, value, style) if style else sheet.write(r, col, value)
    book.save(str(path))


def main():
    formats = {date: xlwt.easyxf(num_format_str="YYYY-MM-DD"), datetime: xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM")}
    _book(["小区名称", "街道", "社区", "地址", "建成年份", "楼栋数", "户数", "建筑面积", "改造类型", "改造状态",
           "完工日期", "管理模式", "别名"],
          [["育英小区", "南山路街道", "南山路第一社区", "育英路1号", 1992, 10, 420, 23520.5, "完善类", "已竣工",
            date(2021, 6, 28), "无人管理", "育英院、老育英"],
           ["印刷厂小区", "南山路街道", "南山路第一社区", "", 1985, 6, 240, "", "基础类", "在建", "", "专业物业", ""]],
          HERE / "compounds.xls", formats)
    _book(["工单编号", "来电时间", "诉求类型", "诉求内容", "所属街道", "小区名称", "地址", "联系人", "联系电话",
           "办理时限(小时)", "承办单位", "工单状态"],
          [["XLS-1", datetime(2026, 11, 6, 10, 0), "污水外溢", "污水井冒水", "北大街街道", "新华西街二区", "", "", "",
            4, "", ""],
           ["XLS-2", "2026-11-06 11:30", "保洁", "楼道垃圾", "南山路街道", "育英小区", "", "", "", 48, "", ""]],
          HERE / "12345-tickets.xls", formats)


if __name__ == "__main__":
    main()
