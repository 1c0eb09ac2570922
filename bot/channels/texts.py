"""The few sentences the channels layer says itself (everything else comes from the engine).

Kept together so they can be reviewed in one place; all Thai, complete on their own.
"""

TEXTS = {
    "image_without_text": "รูปภาพจากผู้ช่วย",
    "engine_down": "ระบบสนทนาขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้ง "
                   "ถ้าเป็นเหตุฉุกเฉินโทร 191 หรือ 1669",
    "unsupported": "ตอนนี้รับได้เฉพาะข้อความ ตำแหน่ง และรูปภาพ "
                   "กรุณาพิมพ์เรื่องที่ต้องการ หรือพิมพ์ เมนู เพื่อดูบริการทั้งหมด",
    "image_rejected": "รับรูปนี้ไม่ได้ ส่งได้เฉพาะรูปภาพ (JPEG, PNG, GIF หรือ WebP) "
                      "ขนาดไม่เกิน 10 เมกะไบต์ กรุณาถ่ายใหม่แล้วส่งอีกครั้ง",
    "call_button": "โทร {number}",
    "image_failed": "ดาวน์โหลดรูปที่ส่งมาไม่สำเร็จ กรุณาส่งใหม่อีกครั้ง",
}
