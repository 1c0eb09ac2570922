"""The few sentences the channels layer says itself (everything else comes from the engine).

Kept together so they can be reviewed in one place; all Thai, complete on their own.
"""

TEXTS = {
    "image_without_text": "รูปภาพจากผู้ช่วย",
    "engine_down": "ระบบสนทนาขัดข้องชั่วคราว ข้อความนี้ยังไม่ได้รับการดำเนินการ "
                   "กรุณาส่งใหม่อีกครั้งในอีกสักครู่ ถ้าเป็นเหตุฉุกเฉิน "
                   "แจ้งเหตุร้ายโทร 191 เจ็บป่วยฉุกเฉินโทร 1669 ไฟไหม้โทร 199",
    "unsupported": "ตอนนี้รับได้เฉพาะข้อความ ตำแหน่ง และรูปภาพ "
                   "กรุณาพิมพ์เรื่องที่ต้องการ หรือพิมพ์ เมนู เพื่อดูบริการทั้งหมด",
    "image_rejected": "รับรูปนี้ไม่ได้ ส่งได้เฉพาะรูปภาพ (JPEG, PNG, GIF หรือ WebP) "
                      "ขนาดไม่เกิน 10 เมกะไบต์ กรุณาถ่ายใหม่แล้วส่งอีกครั้ง",
    "call_button": "โทร {number}",
    "location_invalid": "ตำแหน่งที่ส่งมาอ่านไม่ได้ กรุณาส่งตำแหน่งใหม่ "
                        "หรือพิมพ์ชื่อสถานที่ เขต อำเภอ หรือจังหวัดแทน",
    "image_failed": "ดาวน์โหลดรูปที่ส่งมาไม่สำเร็จ กรุณาส่งใหม่อีกครั้ง",
}
